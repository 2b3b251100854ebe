namespace Weir.Buffers;

/// <summary>Placeholder removed by the transport work.</summary>
internal static class Placeholder
{
}
