namespace TrafficConsole.Web.Hosting;

/// <summary>Start-up failed for a reason an operator can fix; the message names the setting.</summary>
public sealed class StartupException : Exception
{
    public StartupException()
    {
    }

    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
