using System.Diagnostics;

namespace Weir.LoadTest.Reporting;

/// <summary>
/// One live status line (scenario, round, transport, elapsed) on a terminal; plain lines when the output is
/// redirected, so CI logs stay readable.
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _live = !Console.IsOutputRedirected;
    private readonly Lock _gate = new();
    private readonly Timer? _ticker;
    private string _phase = "";
    private TimeSpan _phaseStart;
    private int _lastLength;

    public ProgressDisplay()
    {
        if (_live)
        {
            _ticker = new Timer(_ => Tick(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
        }
    }

    public void Dispose() => _ticker?.Dispose();

    public void Phase(string phase)
    {
        lock (_gate)
        {
            _phase = phase;
            _phaseStart = _clock.Elapsed;
            if (_live)
            {
                WriteLive(phase);
            }
            else
            {
                Console.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {phase}");
            }
        }
    }

    public void Detail(string detail)
    {
        if (!_live)
        {
            return;
        }

        lock (_gate)
        {
            WriteLive($"{_phase}: {detail}");
        }
    }

    public void Line(string text)
    {
        lock (_gate)
        {
            if (_live)
            {
                Console.Write('\r' + new string(' ', _lastLength) + '\r');
                _lastLength = 0;
            }

            Console.WriteLine(text);
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            if (_phase.Length > 0)
            {
                WriteLive($"{_phase} ({(_clock.Elapsed - _phaseStart).TotalSeconds:F0} s)");
            }
        }
    }

    private void WriteLive(string text)
    {
        var line = $"[{_clock.Elapsed:mm\\:ss}] {text}";
        Console.Write('\r' + line.PadRight(_lastLength));
        _lastLength = line.Length;
    }
}
