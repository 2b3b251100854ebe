using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// --quick: one short in-process pass over every benchmark, to prove they run (CI's smoke run). Its
// timings mean nothing; run without it for figures.
var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();

IConfig config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
if (quick)
{
    config = config
        .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithIterationCount(1).WithWarmupCount(1).WithInvocationCount(64).WithUnrollFactor(1))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator);
}

// Without a filter BenchmarkDotNet asks which benchmarks to run; with none given, run them all.
if (!rest.Contains("--filter"))
{
    rest = [.. rest, "--filter", "*"];
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Weir.Benchmarks.EchoTransportBenchmarks).Assembly).Run(rest, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
