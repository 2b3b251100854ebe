namespace RespServer;

/// <summary>When <see cref="RespStore.Set"/> writes: <c>SET</c> without options, with <c>NX</c>, or with <c>XX</c>.</summary>
public enum SetCondition
{
    /// <summary>Always.</summary>
    Always,

    /// <summary>Only if the key does not exist (<c>NX</c>).</summary>
    IfNotExists,

    /// <summary>Only if the key exists (<c>XX</c>).</summary>
    IfExists,
}
