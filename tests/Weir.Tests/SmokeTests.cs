namespace Weir.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void LibraryLoads() => Assert.Equal("Weir", typeof(Weir.Buffers.Placeholder).Assembly.GetName().Name);
}
