using System.Text.Json.Serialization;
using KestrelOnWeir;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Weir.Diagnostics;

// The TechEmpower shape: two tiny endpoints, no logging, so the transport is what gets measured.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, SampleJsonContext.Default));

var transport = builder.Configuration["transport"] ?? "weir";
switch (transport)
{
    case "weir":
        builder.WebHost.UseWeirSockets();
        break;
    case "kestrel":
        break;
    default:
        Console.Error.WriteLine($"--transport must be 'weir' or 'kestrel', not '{transport}'.");
        return 2;
}

var app = builder.Build();
app.MapGet("/plaintext", () => Results.Text("Hello, World!", "text/plain"));
app.MapGet("/json", () => new Greeting("Hello, World!"));

// Which transport carried this request: only Weir's connections report a close reason.
app.MapGet("/transport", (HttpContext context) =>
    Results.Text(context.Features.Get<IConnectionCloseReasonFeature>() is null ? "kestrel" : "weir", "text/plain"));

app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
    Console.WriteLine($"listening on {string.Join(", ", addresses)} ({transport} transport)");
});

await app.RunAsync();
return 0;

namespace KestrelOnWeir
{
    /// <summary>The /json body.</summary>
    internal sealed record Greeting(string Message);

    /// <summary>Source-generated JSON, as a trimmed or AOT app would use.</summary>
    [JsonSerializable(typeof(Greeting))]
    internal sealed partial class SampleJsonContext : JsonSerializerContext;
}
