using System.CommandLine;
using System.Globalization;
using System.Net;

namespace TrafficConsole.Cli.Remote;

/// <summary>Where a running console is and how to talk to it: its base URL, the bearer token (if any) and the time limit per request.</summary>
/// <remarks>A class rather than a record so that no generated <c>ToString</c> can ever print the token.</remarks>
internal sealed class ServerConnection
{
    public ServerConnection(Uri baseUrl, string? token, TimeSpan timeout)
    {
        BaseUrl = baseUrl;
        Token = token;
        Timeout = timeout;
    }

    /// <summary>The console's address, ending in '/' so that API paths resolve under a path base (https://host/console/).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; never printed, never logged.</summary>
    public string? Token { get; }

    public TimeSpan Timeout { get; }

    public override string ToString() => BaseUrl.ToString();
}

/// <summary>The options of the verbs that talk to a running console: <c>--server</c>, <c>--token-file</c> and <c>--timeout</c>.</summary>
internal sealed class ServerOptions
{
    public const string ServerVariable = "TRAFFICCONSOLE_SERVER";
    public const string TokenVariable = "TRAFFICCONSOLE_TOKEN";

    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = $"The console's URL, e.g. https://traffic.example.com (default: ${ServerVariable}).",
        HelpName = "url",
    };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = $"A file holding a bearer token, sent as 'Authorization: Bearer <token>' (default: ${TokenVariable}). The token is never printed or logged.",
        HelpName = "path",
    };

    public Option<int> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for each answer of the console.",
        DefaultValueFactory = static _ => 30,
        HelpName = "seconds",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(TokenFile);
        command.Options.Add(Timeout);
    }

    /// <summary>The connection, or null after writing to stderr what is missing or malformed (the verb then exits with <see cref="ExitCodes.InvalidInput"/>).</summary>
    public ServerConnection? Resolve(ParseResult result, CliConsole console)
    {
        string? server = result.GetValue(Server) is { Length: > 0 } given ? given : console.EnvironmentVariable(ServerVariable);
        string from = result.GetValue(Server) is { Length: > 0 } ? "--server" : ServerVariable;
        if (string.IsNullOrWhiteSpace(server))
        {
            return Fail(console, $"no console to talk to: pass --server <url> or set {ServerVariable}.");
        }

        // "localhost:5000" parses as a URI with the scheme "localhost"; only http and https name a console.
        if (!Uri.TryCreate(server.Trim(), UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            return Fail(console, $"{from} '{server}' is not the http:// or https:// URL of a console (e.g. http://localhost:5000).");
        }

        int seconds = result.GetValue(Timeout);
        if (seconds is < 1 or > 3600)
        {
            return Fail(console, string.Create(CultureInfo.InvariantCulture, $"--timeout {seconds} must be between 1 and 3600 seconds."));
        }

        if (!ReadToken(result, console, out string? token))
        {
            return null;
        }

        var baseUrl = new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        if (token is not null && baseUrl.Scheme == Uri.UriSchemeHttp && !IsLoopback(baseUrl))
        {
            console.Error.WriteLine($"trafficconsole: warning: the token is sent over plain http to {baseUrl.Host}, where anyone on the network can read it; use https.");
        }

        return new ServerConnection(baseUrl, token, TimeSpan.FromSeconds(seconds));
    }

    private bool ReadToken(ParseResult result, CliConsole console, out string? token)
    {
        token = null;
        string source;
        if (result.GetValue(TokenFile) is { Length: > 0 } path)
        {
            source = $"--token-file '{path}'";
            try
            {
                token = File.ReadAllText(path).Trim();
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                Fail(console, $"cannot read '{path}': no such file.");
                return false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Fail(console, $"cannot read '{path}': {ex.Message}");
                return false;
            }
        }
        else if (console.EnvironmentVariable(TokenVariable) is { } variable)
        {
            source = TokenVariable;
            token = variable.Trim();
        }
        else
        {
            return true;
        }

        if (token.Length == 0)
        {
            Fail(console, $"{source} is empty: it must hold the bearer token.");
            return false;
        }

        // A bearer token is printable ASCII without spaces (RFC 6750 b64token); say so rather than let a header error
        // surface later, and never echo the value.
        if (token.Any(static c => c is < '!' or > '~'))
        {
            Fail(console, $"{source} does not hold a bearer token: it has spaces, line breaks or non-ASCII characters inside.");
            token = null;
            return false;
        }

        return true;
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.DnsSafeHost, out IPAddress? address) && IPAddress.IsLoopback(address));

    private static ServerConnection? Fail(CliConsole console, string message)
    {
        console.Error.WriteLine($"trafficconsole: error: {message}");
        return null;
    }
}
