using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>Edits a rule's matches: add, change and remove conditions (ANDed) and alternatives (ORed).</summary>
public partial class MatchEditor
{
    /// <summary>The alternatives being edited.</summary>
    [Parameter, EditorRequired]
    public ImmutableArray<RequestMatch> Matches { get; set; } = [];

    /// <summary>Raised with the new alternatives after every edit.</summary>
    [Parameter]
    public EventCallback<ImmutableArray<RequestMatch>> MatchesChanged { get; set; }

    /// <summary>The rule's path in the intent (<c>rules[0]</c>), to find each field's validation message.</summary>
    [Parameter, EditorRequired]
    public string Path { get; set; } = string.Empty;

    /// <summary>Validation of the whole draft.</summary>
    [Parameter]
    public FieldMessages Messages { get; set; } = FieldMessages.None;

    [Parameter]
    public bool Disabled { get; set; }

    /// <summary>The condition a new row starts with: a header (the most common match), its name to be typed.</summary>
    public static MatchCondition NewCondition { get; } = new(MatchField.Header, MatchOperator.Exact, string.Empty, string.Empty);

    private static string KeyLabel(MatchField field) => field switch
    {
        MatchField.Header => "Header name",
        MatchField.QueryParam => "Parameter",
        _ => "Label",
    };

    private ImmutableArray<RequestMatch> Current => Matches.IsDefault ? [] : Matches;

    private Task SetCondition(int alternative, int index, MatchCondition condition)
    {
        RequestMatch match = Current[alternative];
        return Changed(Current.SetItem(alternative, match with { Conditions = match.Conditions.SetItem(index, condition) }));
    }

    private Task RemoveCondition(int alternative, int index)
    {
        RequestMatch match = Current[alternative];
        return Changed(Current.SetItem(alternative, match with { Conditions = match.Conditions.RemoveAt(index) }));
    }

    private Task AddCondition(int alternative)
    {
        RequestMatch match = Current[alternative];
        return Changed(Current.SetItem(alternative, match with { Conditions = (match.Conditions.IsDefault ? [] : match.Conditions).Add(NewCondition) }));
    }

    private Task AddAlternative() => Changed(Current.Add(new RequestMatch { Conditions = [NewCondition] }));

    private Task RemoveAlternative(int alternative) => Changed(Current.RemoveAt(alternative));

    private Task Changed(ImmutableArray<RequestMatch> matches) => MatchesChanged.InvokeAsync(matches);
}
