namespace EfficientNetLab.Weights;

/// <summary>A checkpoint that cannot be used, with the file and the reason in the message.</summary>
public sealed class CheckpointException(string path, string reason, Exception? inner = null)
    : Exception($"{path}: {reason}", inner)
{
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}
