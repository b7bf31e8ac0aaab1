using System.Text;
using System.Xml;
using System.Xml.Linq;

using Microsoft.AspNetCore.DataProtection.Repositories;

using TrafficConsole.Cluster.Secrets;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// ASP.NET Core's data protection key ring kept in one Kubernetes Secret (a data entry per key), so every replica and every
/// restart share it: sign-in cookies, token sessions and antiforgery tokens stay valid when a pod goes away. The cluster layer
/// (<see cref="IKeyRingStore"/>) reads and writes the Secret, adding each key with a read-modify-write on its resourceVersion;
/// this repository says which entries are keys, names new ones, and what to grant when the console may not.
/// Keys are written as XML in the clear, as the file system repository writes them; the cluster's encryption at rest and
/// RBAC on this one Secret protect them.
/// </summary>
public sealed partial class KeyRingSecret(IKeyRingStore store, string @namespace, string name, ILogger<KeyRingSecret> logger) : IXmlRepository
{
    private const string EntryPrefix = "key-";
    private readonly string _described = $"Secret {@namespace}/{name}";

    /// <summary>"Secret ns/name", for messages.</summary>
    public string Describe() => _described;

    // IXmlRepository is synchronous; the calls are rare (start-up, a key ring refresh about once a day, a new key every 90 days).
    // Task.Run keeps the blocking wait off any synchronization context.
    public IReadOnlyCollection<XElement> GetAllElements() => Task.Run(ReadAsync).GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        Task.Run(() => AddAsync(element, friendlyName)).GetAwaiter().GetResult();
    }

    private async Task<IReadOnlyCollection<XElement>> ReadAsync()
    {
        KeyRingRead read = await store.ReadAsync(@namespace, name).ConfigureAwait(false);
        if (read is KeyRingRead.Refused refused)
        {
            throw Refused(refused.Verb, refused.StatusCode);
        }

        List<XElement> keys = [];
        foreach ((string entry, byte[] value) in ((KeyRingRead.Found)read).Entries)
        {
            if (!entry.StartsWith(EntryPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                keys.Add(XElement.Parse(Encoding.UTF8.GetString(value)));
            }
            catch (XmlException ex)
            {
                // Someone else's edit: that entry is no key; the others still are.
                LogUnreadableKey(logger, entry, _described, ex.Message);
            }
        }

        return keys;
    }

    private async Task AddAsync(XElement element, string friendlyName)
    {
        string entry = EntryName(friendlyName);
        byte[] value = Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting));
        if (await store.AddAsync(@namespace, name, entry, value).ConfigureAwait(false) is KeyRingWrite.Refused refused)
        {
            throw Refused(refused.Verb, refused.StatusCode);
        }

        LogKeyStored(logger, entry, _described);
    }

    private InvalidOperationException Refused(string verb, int statusCode)
    {
        string message = $"The console may not {verb} {Describe()}, where it keeps the keys of sign-in cookies (DataProtection:KeysSecret): " +
            $"grant its service account get and update on that Secret (create too if it does not exist; the Helm chart grants and creates it). " +
            $"The API server answered {statusCode}.";
        LogRefused(logger, verb, _described, statusCode);
        return new InvalidOperationException(message);
    }

    // Secret data keys allow [-._a-zA-Z0-9]; data protection names keys "key-<guid>".
    private static string EntryName(string friendlyName)
    {
        string safe = new([.. (friendlyName ?? string.Empty).Select(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
        string trimmed = safe.StartsWith(EntryPrefix, StringComparison.Ordinal) ? safe : EntryPrefix + safe;
        return trimmed.EndsWith(".xml", StringComparison.Ordinal) ? trimmed : trimmed + ".xml";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored data protection key {Entry} in {Secret}")]
    private static partial void LogKeyStored(ILogger logger, string entry, string secret);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Entry {Entry} of {Secret} is not a data protection key and is ignored: {Problem}")]
    private static partial void LogUnreadableKey(ILogger logger, string entry, string secret, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "The console may not {Verb} {Secret} (its data protection keys); the API server answered {StatusCode}")]
    private static partial void LogRefused(ILogger logger, string verb, string secret, int statusCode);
}
