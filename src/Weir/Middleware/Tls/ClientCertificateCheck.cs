using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Weir.Middleware.Tls;

/// <summary>Turns a certificate mode and an optional user check into the callback <see cref="SslStream"/> calls.</summary>
internal static class ClientCertificateCheck
{
    public static RemoteCertificateValidationCallback Create(
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

    public static RemoteCertificateValidationCallback? CreateForServer(Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? validate) =>
        validate is null
            ? null
            : (_, certificate, chain, errors) =>
                certificate is not null
                && validate(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain, errors);
}
