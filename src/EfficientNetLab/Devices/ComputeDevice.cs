using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Devices;

/// <summary>Parses <c>--device auto|cpu|cuda|cuda:i</c> into a TorchSharp device.</summary>
public static class ComputeDevice
{
    public static Device Resolve(string spec)
    {
        var s = spec.Trim().ToLowerInvariant();
        if (s == "auto") return cuda.is_available() ? CUDA : CPU;
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
