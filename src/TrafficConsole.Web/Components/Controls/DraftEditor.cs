using Microsoft.AspNetCore.Components;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// What the two editors of a service's routing share about their draft: the fields holding text they cannot take
/// (<see cref="Entries"/>, cascaded to their <see cref="NumberField"/>s), and telling the page when the draft becomes
/// unsaved or saved (<see cref="DirtyChanged"/>: the tab's marker, the guard on leaving).
/// </summary>
public abstract class DraftEditor : ComponentBase, IHandleEvent, IDisposable
{
    private bool _reportedDirty;

    protected DraftEditor() => Entries.Changed += OnEntriesChanged;

    /// <summary>Raised when the draft becomes unsaved or saved (the page marks the tab and guards navigation).</summary>
    [Parameter]
    public EventCallback<bool> DirtyChanged { get; set; }

    /// <summary>True while the editor holds something not applied (an edit, or text a field cannot take).</summary>
    public abstract bool IsDirty { get; }

    /// <summary>The editor's fields that hold text it cannot take; while any does, Apply stays disabled.</summary>
    protected EntryProblems Entries { get; } = new();

    // The page learns of an unsaved draft within the same event that made it (so it renders in the same batch, and a
    // click right after never meets a handler a late re-render replaced); changes from the cluster report after render.
    async Task IHandleEvent.HandleEventAsync(EventCallbackWorkItem callback, object? arg)
    {
        await callback.InvokeAsync(arg);
        StateHasChanged();
        await ReportDirtyAsync();
    }

    protected override Task OnAfterRenderAsync(bool firstRender) => ReportDirtyAsync();

    private Task ReportDirtyAsync()
    {
        if (IsDirty == _reportedDirty)
        {
            return Task.CompletedTask;
        }

        _reportedDirty = IsDirty;
        return DirtyChanged.InvokeAsync(_reportedDirty);
    }

    // A field turned invalid or valid in its own event: Apply and the page follow within it.
    private void OnEntriesChanged()
    {
        StateHasChanged();
        _ = ReportDirtyAsync();
    }

    public void Dispose()
    {
        Entries.Changed -= OnEntriesChanged;
        GC.SuppressFinalize(this);
    }
}
