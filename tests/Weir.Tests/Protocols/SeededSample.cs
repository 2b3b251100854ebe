using CsCheck;

namespace Weir.Tests.Protocols;

/// <summary>
/// Runs a CsCheck generator from a fixed seed, so every run of the suite checks the same values and a failure
/// names the iteration that reproduces it.
/// </summary>
internal static class SeededSample
{
    public static async Task RunAsync<T>(Gen<T> gen, ulong seed, int iterations, Func<T, Task> assert)
    {
        var pcg = new PCG(1, seed);
        for (var i = 0; i < iterations; i++)
        {
            var value = gen.Generate(pcg, null!, out _);
            try
            {
                await assert(value);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"Seed {seed}, iteration {i} failed: {e.Message}", e);
            }
        }
    }
}
