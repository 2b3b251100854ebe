using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Weir.Middleware.Tls;

/// <summary>Resolves the configured certificate once, when the pipeline is built, so a bad file fails at start-up.</summary>
internal static class ServerCertificateLoader
{
    private static readonly string[] PemExtensions = [".pem", ".crt", ".cer"];

    /// <returns>The certificate with its chain, or <see langword="null"/> when a selector picks one per connection.</returns>
    public static SslStreamCertificateContext? Load(ServerTlsOptions options)
    {
        if (options.ServerCertificateSelector is not null)
        {
            return null;
        }

        if (options.ServerCertificate is { } certificate)
        {
            return certificate.HasPrivateKey
                ? SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true)
                : throw new InvalidOperationException($"UseServerTls: ServerTlsOptions.ServerCertificate ({certificate.Subject}) has no private key.");
        }

        if (options.CertificatePath is { } path)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"UseServerTls: ServerTlsOptions.CertificatePath '{path}' does not exist.", path);
            }

            var isPem = options.CertificateKeyPath is not null
                || PemExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);
            var (leaf, chain) = isPem ? LoadPem(path, options.CertificateKeyPath, options.CertificatePassword) : LoadPkcs12(path, options.CertificatePassword);
            return SslStreamCertificateContext.Create(leaf, chain, offline: true);
        }

        throw new InvalidOperationException(
            "UseServerTls: no certificate; set ServerTlsOptions.ServerCertificate, CertificatePath or ServerCertificateSelector.");
    }

    private static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadPem(string path, string? keyPath, string? password)
    {
        var leaf = password is null
            ? X509Certificate2.CreateFromPemFile(path, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(path);
        var chain = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (certificate.Thumbprint != leaf.Thumbprint)
            {
                chain.Add(certificate);
            }
        }

        return (leaf, chain);
    }

    private static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadPkcs12(string path, string? password)
    {
        var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password);
        var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new InvalidOperationException($"UseServerTls: ServerTlsOptions.CertificatePath '{path}' holds no certificate with a private key.");
        all.Remove(leaf);
        return (leaf, all);
    }
}
