using Microsoft.Extensions.Options;

namespace Weir.Hosting;

/// <summary>Checks <see cref="WeirServerOptions"/> at start; each failure names the setting, with its configuration path.</summary>
internal sealed class WeirServerOptionsValidator(string sectionPath) : IValidateOptions<WeirServerOptions>
{
    public ValidateOptionsResult Validate(string? name, WeirServerOptions options)
    {
        var failures = new List<string>();
        if (options.ShutdownTimeout < TimeSpan.Zero)
        {
            failures.Add($"{Key("ShutdownTimeout")} must not be negative; it is {options.ShutdownTimeout}.");
        }

        if (options.Endpoints.Count == 0 && options.ServerCallbacks.Count == 0)
        {
            failures.Add($"No endpoint is configured: add one under {Key("Endpoints")} (e.g. {Key("Endpoints:Main:Url")} = tcp://127.0.0.1:5000) or listen in code with ConfigureServer(...).");
        }

        foreach (var (endpointName, endpoint) in options.Endpoints)
        {
            var prefix = Key($"Endpoints:{endpointName}");
            if (!EndpointUrl.TryParse(endpoint.Url, out _))
            {
                failures.Add($"{prefix}:Url is '{endpoint.Url}', which is not an endpoint URL: use tcp://host:port (host an IP address, localhost or *) or unix:/path/to/socket.");
            }

            if (endpoint.MaxConnections is <= 0)
            {
                failures.Add($"{prefix}:MaxConnections must be positive; it is {endpoint.MaxConnections}.");
            }

            if (endpoint.IdleTimeout is { } idle && idle <= TimeSpan.Zero)
            {
                failures.Add($"{prefix}:IdleTimeout must be positive; it is {idle}.");
            }

            if (!options.Pipelines.ContainsKey(endpointName))
            {
                failures.Add($"{prefix} has no pipeline: call MapEndpoint(\"{endpointName}\", ...) on the Weir server options.");
            }
        }

        foreach (var pipelineName in options.Pipelines.Keys)
        {
            if (!options.Endpoints.ContainsKey(pipelineName))
            {
                failures.Add($"MapEndpoint(\"{pipelineName}\", ...) names no endpoint: configure {Key($"Endpoints:{pipelineName}:Url")}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private string Key(string key) => sectionPath.Length == 0 ? key : $"{sectionPath}:{key}";
}
