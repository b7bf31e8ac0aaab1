using Microsoft.Extensions.Logging;
using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Sandbox;

/// <summary>What the sandbox cluster holds when it starts with no saved state.</summary>
public enum SandboxSeed
{
    /// <summary>Bookinfo in namespace <c>bookinfo</c>, a larger demo namespace <c>shop</c>, plus default and kube-system.</summary>
    Bookinfo,

    /// <summary>Only the <c>default</c> and <c>kube-system</c> namespaces.</summary>
    None,
}

/// <summary>How to start a <see cref="SandboxServer"/>.</summary>
public sealed class SandboxOptions
{
    /// <summary>TCP port; 0 picks a free one (see <see cref="SandboxServer.Url"/>).</summary>
    public int Port { get; set; }

    /// <summary>
    /// Address to listen on. Loopback unless told otherwise: by default (<see cref="AnonymousAccess.ClusterAdmin"/>)
    /// requests without a token may do everything.
    /// </summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Where state, the admin token and the kubeconfig are kept; null keeps everything in memory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Objects to create on a first start (empty data directory, or in memory).</summary>
    public SandboxSeed Seed { get; set; } = SandboxSeed.Bookinfo;

    /// <summary>How many changes are kept for resuming watches; older resourceVersions get 410 Gone.</summary>
    public int WatchHistoryLimit { get; set; } = 1000;

    /// <summary>
    /// Changes queued for one watch stream before it counts as too slow and is closed (its client
    /// re-watches from the last version it saw).
    /// </summary>
    public int WatcherBufferLimit { get; set; } = 10_000;

    /// <summary>How often watches that allow bookmarks get a BOOKMARK event.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Snapshot the state file after this many logged transactions.</summary>
    public int CompactAfterWrites { get; set; } = 2000;

    /// <summary>
    /// How long a deleted namespace stays Terminating before it and its contents are gone (the real
    /// namespace controller takes a few seconds); zero deletes at once.
    /// </summary>
    public TimeSpan NamespaceFinalizeDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A kube-apiserver <c>--token-auth-file</c> (CSV lines <c>token,user,uid,"group1,group2"</c>) whose tokens
    /// authenticate beside the admin token; read once at start.
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>Static tokens beside the admin token and <see cref="TokenFile"/> (for tests).</summary>
    public IList<SandboxToken> Tokens { get; } = [];

    /// <summary>
    /// What a request without a bearer token may do. The default keeps the sandbox open to kubectl and helm over plain
    /// HTTP (they send no token there); <see cref="AnonymousAccess.Refused"/> answers 401 as a locked-down cluster does.
    /// </summary>
    public AnonymousAccess Anonymous { get; set; } = AnonymousAccess.ClusterAdmin;

    /// <summary>
    /// Serve HTTPS with a self-signed certificate made at start (see <see cref="SandboxServer.Certificate"/>); the
    /// kubeconfig carries it as certificate-authority-data. kubectl sends tokens and impersonation only over HTTPS.
    /// </summary>
    public bool Https { get; set; }

    /// <summary>
    /// Requests per second the simulated clients send to each service with workloads in a namespace labelled for sidecar
    /// injection (see <see cref="TrafficSimulator"/>, <see cref="SandboxServer.Traffic"/>); null: no traffic, no
    /// <c>/stats/prometheus</c>. Above 0 and at most <see cref="TrafficSettings.MaxRequestsPerSecond"/>.
    /// </summary>
    public double? TrafficRequestsPerSecond { get; set; } = TrafficSettings.DefaultRequestsPerSecond;

    /// <summary>Seed of the traffic simulator's random choices: the same seed and the same changes give the same counters.</summary>
    public int TrafficSeed { get; set; } = 14;

    /// <summary>
    /// How long after a VirtualService or DestinationRule changes its spec the sandbox's istiod writes
    /// <c>status.observedGeneration</c> and a <c>Reconciled</c> condition (as <c>pilot-discovery</c>); null (the default
    /// here) writes no status, like a cluster whose istiod reports none. The program and the console default to
    /// <see cref="TrafficSettings.DefaultProxySyncDelay"/>.
    /// </summary>
    public TimeSpan? ProxySyncDelay { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Clock for timestamps and bookmarks; tests may replace it.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
