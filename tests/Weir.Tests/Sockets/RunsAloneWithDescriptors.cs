namespace Weir.Tests.Sockets;

/// <summary>Tests that count or exhaust the process's file descriptors, so they run alone.</summary>
[CollectionDefinition(nameof(RunsAloneWithDescriptors), DisableParallelization = true)]
public sealed class RunsAloneWithDescriptors;
