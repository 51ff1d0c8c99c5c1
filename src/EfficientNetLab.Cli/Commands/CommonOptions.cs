using System.CommandLine;

namespace EfficientNetLab.Cli.Commands;

/// <summary>Options several verbs share; each verb gets its own instances.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object on stdout and nothing else there." };

    public static Option<string> Model(bool required) => new("--model", "-m")
    {
        Description = "Variant: b0…b7, v2_s, v2_m, v2_l (torchvision names like efficientnet_b0 work too).",
        Required = required,
    };

    public static Option<string> Weights(string defaultValue) => new("--weights", "-w")
    {
        Description = "A checkpoint file (.pth zip state dict or .safetensors), published weights " +
                      "(imagenet1k_v1, imagenet1k_v2, default), or 'random'.",
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<int> Workers() => new("--workers", "-j") { Description = "Decode workers (0 = one per core).", DefaultValueFactory = _ => 0 };

    public static Option<string> Device() => new("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => EfficientNetLab.Devices.ComputeDevice.Auto };

    public static Option<int> BatchSize(int defaultValue, string description) =>
        new("--batch-size", "-b") { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Option<EfficientNetLab.Evaluation.InferenceBackend> Backend() => new("--backend")
    {
        Description = "libtorch (TorchSharp) or onnxruntime (CPU; exports the checkpoint once, cached next to it).",
        DefaultValueFactory = _ => EfficientNetLab.Evaluation.InferenceBackend.LibTorch,
        CustomParser = r => r.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "libtorch" or "torch" => EfficientNetLab.Evaluation.InferenceBackend.LibTorch,
            "onnxruntime" or "ort" => EfficientNetLab.Evaluation.InferenceBackend.OnnxRuntime,
            var other => throw new ArgumentException($"--backend must be libtorch or onnxruntime, got '{other}'."),
        },
    };

    public static Option<string?> BaseUrl() => new("--base-url")
    {
        Description = "Mirror that replaces torchvision's download host (also EFFNET_WEIGHTS_BASE_URL).",
    };
}
