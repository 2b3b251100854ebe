namespace Weir;

/// <summary>The services of a builder made without any: nothing is registered, so handlers are constructed directly.</summary>
internal sealed class EmptyServiceProvider : IServiceProvider
{
    public static readonly EmptyServiceProvider Instance = new();

    private EmptyServiceProvider()
    {
    }

    public object? GetService(Type serviceType) => null;
}
