using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Devices;

/// <summary>Parses <c>--device auto|cpu|cuda|cuda:i</c> into a TorchSharp device.</summary>
public static class ComputeDevice
{
    /// <summary>The default of every <c>--device</c>, in the CLI, the magics and <see cref="Weights.LoadedModel.Place"/>.</summary>
    public const string Auto = "auto";

    public static Device Resolve(string spec)
    {
        var s = spec.Trim().ToLowerInvariant();
        // CUDA with an explicit index, so that a summary names the GPU it ran on ("cuda:0", not "cuda").
        if (s == Auto) return cuda.is_available() ? new Device(DeviceType.CUDA, 0) : CPU;
        if (s == "cpu") return CPU;
        if (s == "cuda" || s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new InvalidOperationException($"--device {spec}: TorchSharp sees no CUDA device (run `effnet devices` for a diagnosis).");
            int index = s == "cuda" ? 0 : int.Parse(s[5..]);
            if (index >= cuda.device_count())
                throw new InvalidOperationException($"--device {spec}: only {cuda.device_count()} CUDA device(s) present.");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"--device must be auto, cpu, cuda or cuda:N, got '{spec}'.");
    }
}
