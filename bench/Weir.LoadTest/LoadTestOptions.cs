using System.Globalization;

namespace Weir.LoadTest;

/// <summary>What one run measures, and for how long. Parsed from the command line.</summary>
internal sealed class LoadTestOptions
{
    public IReadOnlyList<string> Scenarios { get; private set; } = ScenarioCatalog.Names;

    public IReadOnlyList<string> Transports { get; private set; } = ["weir", "kestrel"];

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(2);

    public TimeSpan InitialWarmup { get; private set; } = TimeSpan.FromSeconds(15);

    public int Rounds { get; private set; } = 3;

    public int IdleConnections { get; private set; } = 10_000;

    public int AcceptSockets { get; private set; } = 1;

    public bool Pin { get; private set; }

    /// <summary>Both servers in their inline modes: handlers and socket completions on the socket engine's thread.</summary>
    public bool Inline { get; private set; }

    /// <summary>Weir's handlers on the thread pool rather than on its event loops (its safe mode).</summary>
    public bool WeirAppOnThreadPool { get; private set; }

    /// <summary>Weir's event-loop count; null leaves its default (one per processor the server may use).</summary>
    public int? WeirEventLoops { get; private set; }

    /// <summary>native or managed; null leaves the choice to the run (native when cc is there).</summary>
    public string? Client { get; private set; }

    public bool Quick { get; private set; }

    public bool Help { get; private set; }

    public string OutputDirectory { get; private set; } = "";

    public const string Usage = """
        Weir.LoadTest: the echo server on Weir's transport and on Kestrel's, side by side.

        Each transport runs in its own child process (samples/EchoServer). The load comes from the native
        client, a child process too (or, with --client managed, from this process). Transports alternate
        A B A B over the rounds; every echoed byte is checked.

        usage: dotnet run -c Release --project bench/Weir.LoadTest -- [options]

          --scenario NAME[,NAME]  run only these (small, pipelined, medium, streaming, connrate, idle)
          --transport NAME[,NAME] compare only these (weir, kestrel); default both
          --duration SECONDS      measured time per scenario and round (default 5)
          --warmup SECONDS        unmeasured load before each measurement (default 2)
          --initial-warmup SECONDS  load before anything is measured, for the JIT to settle: messages for
                                  SECONDS, then connection churn and a stream for half as long (default 15)
          --rounds N              rounds per scenario (default 3)
          --idle-connections N    connections held open by the idle scenario (default 10000)
          --accept-sockets N      Weir's server listens with N SO_REUSEPORT accept sockets (default 1)
          --pin                   server on core 0, the load client on core 1 (needs taskset)
          --inline                both servers in their "unsafe" inline modes, to compare the best cases:
                                  UnsafePreferInlineScheduling and DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1;
                                  handlers run on the socket engine's thread, so a blocking one stalls it
                                  (Weir's event loops run handlers inline already: this changes Kestrel)
          --weir-app-on-thread-pool  Weir's handlers on the thread pool (RunApplicationOnEventLoop = false),
                                  the mode for handlers that block; results go to latest-app-thread-pool.*
          --weir-event-loops N    Weir's server with N event loops (default one per processor it may use;
                                  0 puts it on the runtime's socket engine)
          --client NAME           the load client: native (native/weirload.c, one epoll thread in its own
                                  process, built with cc on first use) or managed (C# in this process);
                                  default native, or managed when there is no cc
          --quick                 a smoke run of a few seconds per scenario (1 round, 1000 idle connections)
          --out DIR               where the Markdown and SVG results go (default bench/results, as latest.md
                                  and latest.svg, or latest-inline.md and latest-inline.svg with --inline)
          --help                  this text

        Exit code 0 when every scenario ran with no error and no byte mismatch.
        """;

    public static LoadTestOptions Parse(string[] args)
    {
        var options = new LoadTestOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length
                ? args[++i]
                : throw new ArgumentException($"{name} needs a value.");

            switch (name)
            {
                case "--scenario":
                    options.Scenarios = SplitKnown(Value(), ScenarioCatalog.Names, "--scenario");
                    break;
                case "--transport":
                    options.Transports = SplitKnown(Value(), ["weir", "kestrel"], "--transport");
                    break;
                case "--duration":
                    options.Duration = Seconds(Value(), name);
                    break;
                case "--warmup":
                    options.Warmup = Seconds(Value(), name);
                    break;
                case "--initial-warmup":
                    options.InitialWarmup = Seconds(Value(), name);
                    break;
                case "--rounds":
                    options.Rounds = Positive(Value(), name);
                    break;
                case "--idle-connections":
                    options.IdleConnections = Positive(Value(), name);
                    break;
                case "--accept-sockets":
                    options.AcceptSockets = Positive(Value(), name);
                    break;
                case "--client":
                    options.Client = SplitKnown(Value(), ["native", "managed"], name) is [var client] ? client : throw new ArgumentException("--client takes one name.");
                    break;
                case "--pin":
                    options.Pin = true;
                    break;
                case "--weir-event-loops":
                    options.WeirEventLoops = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var loops)
                        ? loops
                        : throw new ArgumentException("--weir-event-loops takes a count, 0 or more.");
                    break;
                case "--weir-app-on-thread-pool":
                    options.WeirAppOnThreadPool = true;
                    break;
                case "--inline":
                    options.Inline = true;
                    break;
                case "--quick":
                    options.Quick = true;
                    break;
                case "--out":
                    options.OutputDirectory = Value();
                    break;
                case "--help" or "-h":
                    options.Help = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'. Try --help.");
            }
        }

        if (options.Quick)
        {
            options.ApplyQuickDefaults(args);
        }

        return options;
    }

    private void ApplyQuickDefaults(string[] args)
    {
        // Explicit options win over --quick's defaults.
        if (!args.Contains("--duration"))
        {
            Duration = TimeSpan.FromSeconds(1);
        }

        if (!args.Contains("--warmup"))
        {
            Warmup = TimeSpan.FromSeconds(0.5);
        }

        if (!args.Contains("--initial-warmup"))
        {
            InitialWarmup = TimeSpan.FromSeconds(1);
        }

        if (!args.Contains("--rounds"))
        {
            Rounds = 1;
        }

        if (!args.Contains("--idle-connections"))
        {
            IdleConnections = 1_000;
        }
    }

    private static string[] SplitKnown(string value, IReadOnlyList<string> known, string option)
    {
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var n in names)
        {
            if (!known.Contains(n))
            {
                throw new ArgumentException($"{option}: unknown name '{n}' (known: {string.Join(", ", known)}).");
            }
        }

        return names.Length > 0 ? names : throw new ArgumentException($"{option} needs at least one name.");
    }

    private static TimeSpan Seconds(string value, string option) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0
            ? TimeSpan.FromSeconds(s)
            : throw new ArgumentException($"{option} takes a number of seconds, not '{value}'.");

    private static int Positive(string value, string option) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{option} takes a positive whole number, not '{value}'.");
}
