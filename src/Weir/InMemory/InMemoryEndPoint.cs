using System.Net;

namespace Weir.InMemory;

/// <summary>A named address on an <see cref="InMemoryTransport"/>; two endpoints with the same name are the same address.</summary>
public sealed class InMemoryEndPoint : EndPoint, IEquatable<InMemoryEndPoint>
{
    /// <summary>Creates the endpoint called <paramref name="name"/>.</summary>
    public InMemoryEndPoint(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>Gets the endpoint's name, compared ordinally.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public bool Equals(InMemoryEndPoint? other) => other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as InMemoryEndPoint);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>Returns <c>inmemory:</c> followed by the name.</summary>
    public override string ToString() => $"inmemory:{Name}";
}
