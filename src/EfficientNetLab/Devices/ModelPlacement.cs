using EfficientNetLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Devices;

/// <summary>
/// Where a loaded model runs and how it is fed: its device, its dtype, and the memory format of its inputs
/// (TorchSharp has no module memory format; NHWC-strided inputs carry channels-last through every convolution).
/// Only <see cref="Weights.LoadedModel.Place"/> makes one, so it always says where the weights are.
/// </summary>
public sealed record ModelPlacement(string Device, bool Half, bool ChannelsLast)
{
    /// <summary>Where a model is built: on the CPU in float32, as torchvision's models are.</summary>
    public static readonly ModelPlacement Initial = new("cpu", false, false);

    public Device TorchDevice => new(Device);
    public bool IsCuda => TorchDevice.type == DeviceType.CUDA;
    public ScalarType Dtype => Half ? ScalarType.Float16 : ScalarType.Float32;
    public string DtypeName => Half ? "float16" : "float32";
    public string MemoryFormat => ChannelsLast ? "channels_last" : "contiguous";

    /// <summary>A CPU float32 N×3×H×W batch in the layout, on the device and in the dtype the model expects.</summary>
    public Tensor Input(Tensor x)
    {
        if (ChannelsLast) x = x.ToChannelsLast();
        if (IsCuda) x = x.pin_memory().to(TorchDevice, non_blocking: true);
        return Half ? x.half() : x;
    }

    public override string ToString() => $"{Device}, {DtypeName}, {MemoryFormat}";
}
