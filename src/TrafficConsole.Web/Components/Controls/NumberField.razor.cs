using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// A number field that never guesses: the text is read by <see cref="NumberEntry"/>; a valid number is passed on, an
/// invalid one keeps the field invalid with the reason and is reported to the enclosing editor's
/// <see cref="EntryProblems"/>, so its Apply stays disabled. The last valid value stays in the draft meanwhile.
/// </summary>
public partial class NumberField : IDisposable
{
    private string _text = string.Empty;
    private string? _problem;
    private double? _shown;
    private int _generation = -1;

    /// <summary>What the field accepts.</summary>
    [Parameter, EditorRequired]
    public NumberEntry Rule { get; set; } = NumberEntry.Weight;

    /// <summary>The value in the draft (null: not set).</summary>
    [Parameter]
    public double? Value { get; set; }

    /// <summary>Raised with each valid value typed.</summary>
    [Parameter]
    public EventCallback<double?> ValueChanged { get; set; }

    /// <summary>What the field is, in the message that blocks Apply ("v1 weight").</summary>
    [Parameter, EditorRequired]
    public string Name { get; set; } = string.Empty;

    [Parameter]
    public string? Label { get; set; }

    /// <summary>The validator's finding for the value in the draft, shown while the text itself is acceptable.</summary>
    [Parameter]
    public string? ErrorText { get; set; }

    [Parameter]
    public string? AdornmentText { get; set; }

    [Parameter]
    public string? Placeholder { get; set; }

    [Parameter]
    public bool Disabled { get; set; }

    [Parameter]
    public string? Class { get; set; }

    [Parameter]
    public string? AriaLabel { get; set; }

    [Parameter]
    public string? TestId { get; set; }

    /// <summary>The editor's record of fields that hold invalid text; none outside an editor.</summary>
    [CascadingParameter]
    public EntryProblems? Problems { get; set; }

    /// <summary>Why the text in the field is not accepted; null when it is.</summary>
    public string? Problem => _problem;

    protected override void OnParametersSet()
    {
        int generation = Problems?.Generation ?? 0;
        if (generation != _generation)
        {
            // The editor started over (reset, load latest): whatever was typed is gone.
            _generation = generation;
            Show(Value);
            return;
        }

        // The draft changed under the field (a slider moved, the others rebalanced): show it, unless the operator's
        // invalid text is still there to be fixed.
        if (_problem is null && Value != _shown)
        {
            Show(Value);
        }
    }

    private void Show(double? value)
    {
        _shown = value;
        _text = NumberEntry.Format(value);
        SetProblem(null);
    }

    private async Task OnTextChanged(string? text)
    {
        _text = text ?? string.Empty;
        NumberReading reading = Rule.Read(_text);
        if (!reading.IsValid)
        {
            SetProblem(reading.Problem);
            return;
        }

        SetProblem(null);
        _shown = reading.Value;
        _text = NumberEntry.Format(reading.Value);
        await ValueChanged.InvokeAsync(reading.Value);
    }

    private void SetProblem(string? problem)
    {
        _problem = problem;
        Problems?.Report(this, Name, problem);
    }

    public void Dispose()
    {
        Problems?.Report(this, Name, null);
        GC.SuppressFinalize(this);
    }
}
