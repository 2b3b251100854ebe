using SharpFuzz;
using Weir.Fuzz;

// One target per run, named by the first argument; libFuzzer feeds inputs through SharpFuzz.
if (args.Length < 1 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Weir.Fuzz <{string.Join('|', FuzzTargets.All.Keys)}>");
    return 2;
}

Fuzzer.LibFuzzer.Run(target);
return 0;
