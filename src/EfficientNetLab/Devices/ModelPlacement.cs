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

    /// <summary>What --channels-last says in every front end's help (eval, bench, finetune, #!efficientnet).</summary>
    public const string ChannelsLastHelp = "Feed NHWC-strided inputs (faster convolutions with CUDA tensor cores); refused on the CPU, where oneDNN gets them wrong.";

    /// <summary>
    /// Channels-last input is refused on the CPU, for inference and training alike: this libtorch's oneDNN (3.7.1)
    /// computes some channels-last 1×1 convolutions wrongly even under the kit's AVX2 cap (EfficientNet-B1 and B4
    /// logits off by up to 1.6, B5 killed by SIGFPE at batch 2; docs/upstream-onednn-avx512.md). The layout is a
    /// speed option, and an accuracy kit does not trade its numbers for speed.
    /// </summary>
    public static void CheckMemoryFormat(Device device, bool channelsLast)
    {
        if (channelsLast && device.type == DeviceType.CPU)
            throw new ArgumentException(
                "--channels-last is refused on the CPU: this libtorch's oneDNN computes some channels-last convolutions wrongly " +
                "(EfficientNet-B1/B4 logits off by up to 1.6, B5 crashes; docs/upstream-onednn-avx512.md). Drop --channels-last " +
                "(it stays available on CUDA).");
    }
}
