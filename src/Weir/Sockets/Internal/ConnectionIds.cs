namespace Weir.Sockets.Internal;

/// <summary>Short, process-unique connection ids: a counter seeded from the clock, in 13 base-32 characters.</summary>
internal static class ConnectionIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

    private static long _last = DateTime.UtcNow.Ticks;

    public static string Next() => string.Create(13, Interlocked.Increment(ref _last), static (chars, id) =>
    {
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(id & 31)];
            id >>= 5;
        }
    });
}
