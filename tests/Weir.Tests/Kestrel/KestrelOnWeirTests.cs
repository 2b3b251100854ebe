using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Weir.Tests.Kestrel;

/// <summary>The KestrelOnWeir sample, on Weir's transport and on Kestrel's own, driven by HttpClient and wrk.</summary>
public sealed partial class KestrelOnWeirTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("weir")]
    [InlineData("kestrel")]
    public async Task PlaintextAnswersHelloWorld(string transport)
    {
        await using var app = await KestrelOnWeirProcess.StartAsync(transport);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await client.GetAsync("/plaintext", TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("weir")]
    [InlineData("kestrel")]
    public async Task JsonAnswersAGreeting(string transport)
    {
        await using var app = await KestrelOnWeirProcess.StartAsync(transport);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        var body = await client.GetStringAsync("/json", TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal("""{"message":"Hello, World!"}""", body);
    }

    [Theory]
    [InlineData("weir")]
    [InlineData("kestrel")]
    public async Task RequestsTravelOnTheTransportAskedFor(string transport)
    {
        await using var app = await KestrelOnWeirProcess.StartAsync(transport);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        Assert.Equal(transport, await client.GetStringAsync("/transport", TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("weir", 1)]
    [InlineData("weir", 16)]
    [InlineData("kestrel", 16)]
    public async Task WrkGetsOnlySuccessfulResponses(string transport, int pipelineDepth)
    {
        await using var app = await KestrelOnWeirProcess.StartAsync(transport);
        var script = Path.Combine(Directory.CreateTempSubdirectory("weir-wrk-").FullName, "pipeline.lua");
        await File.WriteAllTextAsync(script, $$"""
            init = function(args)
              local batch = {}
              for i = 1, {{pipelineDepth}} do batch[i] = wrk.format(nil, "/plaintext") end
              pipelined = table.concat(batch)
            end
            request = function() return pipelined end
            """, TestContext.Current.CancellationToken);

        var output = await RunWrkAsync("-t1", "-c4", "-d1s", "-s", script, new Uri(app.BaseAddress, "/plaintext").ToString());

        var requests = RequestsLine().Match(output);
        Assert.True(requests.Success, output);
        Assert.True(long.Parse(requests.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, output);
        Assert.DoesNotContain("Non-2xx", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Socket errors", output, StringComparison.Ordinal);
    }

    private static async Task<string> RunWrkAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start (is it installed?).");
        var stdout = wrk.StandardOutput.ReadToEndAsync();
        var stderr = wrk.StandardError.ReadToEndAsync();
        await wrk.WaitForExitAsync().WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.True(wrk.ExitCode == 0, await stderr);
        return await stdout;
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();
}
