namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// The fields of one editor that hold text the editor cannot take (e.g. <c>12.5</c> in a weight): cascaded by the
/// editor to its <see cref="NumberField"/>s, read by its Apply. While any is listed nothing can be applied.
/// </summary>
public sealed class EntryProblems
{
    private readonly List<(object Field, string Message)> _problems = [];

    /// <summary>Raised when a field becomes invalid or valid again; the editor re-renders its Apply.</summary>
    public event Action? Changed;

    /// <summary>Bumped by <see cref="Clear"/>; fields then show the draft again and drop what was typed.</summary>
    public int Generation { get; private set; }

    /// <summary>How many fields are invalid.</summary>
    public int Count => _problems.Count;

    /// <summary>The first invalid field's message ("v1 weight: “12.5” is not …"), or null.</summary>
    public string? First => _problems.Count == 0 ? null : _problems[0].Message;

    /// <summary>Records (or, with a null <paramref name="problem"/>, clears) what is wrong with <paramref name="field"/>.</summary>
    public void Report(object field, string name, string? problem)
    {
        int index = _problems.FindIndex(p => ReferenceEquals(p.Field, field));
        string? message = problem is null ? null : string.IsNullOrEmpty(name) ? problem : $"{name}: {problem}";
        if (index >= 0 && message is not null && _problems[index].Message == message)
        {
            return;
        }

        if (index < 0 && message is null)
        {
            return;
        }

        if (index >= 0)
        {
            _problems.RemoveAt(index);
        }

        if (message is not null)
        {
            // A field keeps its place in the list while its message changes; a new one goes last.
            _problems.Insert(index >= 0 ? index : _problems.Count, (field, message));
        }

        Changed?.Invoke();
    }

    /// <summary>Forgets every invalid text: the editor started again from the cluster.</summary>
    public void Clear()
    {
        _problems.Clear();
        Generation++;
        Changed?.Invoke();
    }
}
