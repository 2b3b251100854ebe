using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Weir.Middleware.Tls;

/// <summary>Turns the options' certificate checks into the callbacks <see cref="SslStream"/> calls.</summary>
internal static class CertificateChecks
{
    /// <summary>The server's check of the client: the mode decides about a missing certificate, the user's check about a present one.</summary>
    public static RemoteCertificateValidationCallback ForClient(
        ClientCertificateMode mode, Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? validate) =>
        (_, certificate, chain, errors) =>
        {
            if (certificate is null)
            {
                return mode != ClientCertificateMode.RequireCertificate;
            }

            // Without a certificate request there is nothing of the client's to judge.
            if (mode == ClientCertificateMode.NoCertificate)
            {
                return true;
            }

            return validate is null
                ? errors == SslPolicyErrors.None
                : validate(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain, errors);
        };

    /// <summary>The client's check of the server: the user's, or (when <see langword="null"/>) the platform's verdict.</summary>
    public static RemoteCertificateValidationCallback? ForServer(Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? validate) =>
        validate is null
            ? null
            : (_, certificate, chain, errors) =>
                certificate is not null
                && validate(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain, errors);
}
