using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;

using k8s;
using k8s.Autorest;
using k8s.Models;

using Microsoft.AspNetCore.DataProtection.Repositories;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// ASP.NET Core's data protection key ring kept in one Kubernetes Secret (a data entry per key), so every replica and every
/// restart share it: sign-in cookies, token sessions and antiforgery tokens stay valid when a pod goes away. Each key is added
/// with a read-modify-write on the Secret's resourceVersion, so two replicas adding keys at once never drop each other's.
/// Keys are written as XML in the clear, as the file system repository writes them; the cluster's encryption at rest and
/// RBAC on this one Secret protect them.
/// </summary>
public sealed partial class KeyRingSecret(Func<IKubernetes> client, string @namespace, string name, ILogger<KeyRingSecret> logger) : IXmlRepository
{
    private const string EntryPrefix = "key-";
    private const int Attempts = 20;
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
        V1Secret? secret = await GetAsync().ConfigureAwait(false);
        List<XElement> keys = [];
        foreach ((string entry, byte[] value) in secret?.Data ?? new Dictionary<string, byte[]>())
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
        for (int attempt = 1; ; attempt++)
        {
            V1Secret? secret = await GetAsync().ConfigureAwait(false);
            try
            {
                if (secret is null)
                {
                    await client().CoreV1.CreateNamespacedSecretAsync(new V1Secret
                    {
                        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "traffic-console" } },
                        Type = "Opaque",
                        Data = new Dictionary<string, byte[]> { [entry] = value },
                    }, @namespace).ConfigureAwait(false);
                }
                else
                {
                    // Kept as read: the PUT carries its resourceVersion, so a key another replica added meanwhile is a 409, not lost.
                    secret.Data ??= new Dictionary<string, byte[]>();
                    secret.Data[entry] = value;
                    await client().CoreV1.ReplaceNamespacedSecretAsync(secret, name, @namespace).ConfigureAwait(false);
                }

                LogKeyStored(logger, entry, _described);
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt < Attempts)
            {
                // Another replica wrote first: read again and add on top, after a jittered pause so writers stop colliding.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50) * Math.Min(attempt, 10))).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
            {
                throw Refused(secret is null ? "create" : "update", ex);
            }
        }
    }

    private async Task<V1Secret?> GetAsync()
    {
        try
        {
            return await client().CoreV1.ReadNamespacedSecretAsync(name, @namespace).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw Refused("get", ex);
        }
    }

    private InvalidOperationException Refused(string verb, HttpOperationException ex)
    {
        string message = $"The console may not {verb} {Describe()}, where it keeps the keys of sign-in cookies (DataProtection:KeysSecret): " +
            $"grant its service account get and update on that Secret (create too if it does not exist; the Helm chart grants and creates it). " +
            $"The API server answered {(int)ex.Response.StatusCode}.";
        LogRefused(logger, verb, _described, (int)ex.Response.StatusCode);
        return new InvalidOperationException(message, ex);
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
