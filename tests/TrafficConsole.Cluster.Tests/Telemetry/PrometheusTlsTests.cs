using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Tests.Telemetry;

/// <summary>Prometheus behind TLS signed by a private CA: trusted with <c>CaFile</c>, refused without it or with another CA, accepted with <c>InsecureSkipVerify</c>.</summary>
public sealed class PrometheusTlsTests : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("trafficconsole-prom-tls-").FullName;
    private FakePrometheusApi _api = null!;

    private string CaFile => Path.Combine(_scratch, "ca.pem");

    private string OtherCaFile => Path.Combine(_scratch, "other-ca.pem");

    public async Task InitializeAsync()
    {
        using X509Certificate2 ca = Authority("Test Prometheus CA");
        using X509Certificate2 other = Authority("Someone else's CA");
        await File.WriteAllTextAsync(CaFile, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(OtherCaFile, other.ExportCertificatePem());
        _api = await FakePrometheusApi.StartAsync(ServerCertificate(ca));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    private static X509Certificate2 Authority(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 ServerCertificate(X509Certificate2 ca)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 signed = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private TelemetryResult<TelemetryReading> Read(Action<PrometheusOptions> configure)
    {
        var options = new TelemetryOptions { Prometheus = { Url = _api.Url.ToString() } };
        configure(options.Prometheus);
        Assert.Empty(TelemetryOptionsValidator.Check(options));
        using var source = new PrometheusTelemetrySource(Options.Create(options), TimeProvider.System, NullLogger<PrometheusTelemetrySource>.Instance);
        return source.ReadAsync(null, TelemetryWindow.OneMinute, CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public void The_configured_ca_is_trusted()
    {
        Assert.StartsWith("https://", _api.Url.ToString(), StringComparison.Ordinal);
        Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(Read(o => o.CaFile = CaFile));
    }

    [Fact]
    public void Without_the_ca_or_with_another_the_certificate_is_refused()
    {
        foreach (Action<PrometheusOptions> configure in new Action<PrometheusOptions>[] { static _ => { }, o => o.CaFile = OtherCaFile })
        {
            string reason = Assert.IsType<TelemetryResult<TelemetryReading>.Unavailable>(Read(configure)).Reason;
            Assert.Contains("is not reachable: its TLS certificate or handshake was refused", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Insecure_skip_verify_accepts_any_certificate()
    {
        Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(Read(static o => o.InsecureSkipVerify = true));
    }
}
