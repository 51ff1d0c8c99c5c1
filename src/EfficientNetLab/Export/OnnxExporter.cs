using EfficientNetLab.Imaging;
using EfficientNetLab.Models;
using EfficientNetLab.Weights;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static EfficientNetLab.Export.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace EfficientNetLab.Export;

/// <summary>How an EfficientNet is written to ONNX.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The ai.onnx opset, <see cref="OnnxExporter.MinOpset"/>…<see cref="OnnxExporter.MaxOpset"/>.</summary>
    public int Opset { get; init; } = OnnxExporter.DefaultOpset;

    /// <summary>A symbolic batch dimension ("batch"); otherwise the graph takes exactly one image.</summary>
    public bool DynamicBatch { get; init; }

    /// <summary>Symbolic height and width ("height", "width"); otherwise they are fixed to <see cref="ImageSize"/>.</summary>
    public bool DynamicImageSize { get; init; }

    /// <summary>The fixed height = width; null means the eval preset's crop size.</summary>
    public int? ImageSize { get; init; }
}

/// <summary>
/// Writes an <see cref="EfficientNet"/> as a standard ONNX model (TorchSharp has no exporter), by walking the
/// kit's own modules: every Conv+BatchNorm pair becomes one Conv with the BatchNorm folded in
/// (<see cref="BatchNormFolding"/>), SiLU becomes Sigmoid+Mul (ai.onnx has no SiLU before opset 24), and
/// squeeze-excitation, residual adds, pooling and the classifier map to GlobalAveragePool, Conv, Mul, Add,
/// Flatten and Gemm. Eval semantics: dropout and stochastic depth vanish, BatchNorm uses running statistics.
/// Input "input" N×3×H×W float32, output "logits" N×classes; variant, classes and preset go into metadata_props
/// in the same string map safetensors checkpoints use (<see cref="CheckpointMetadata.ToStringMap"/>).
/// </summary>
public static class OnnxExporter
{
    public const int DefaultOpset = 17;
    // Every op used here has had the same semantics for float32 since opset 11; 23 is the newest that
    // ONNX Runtime 1.31 and the IR-version table below are tested with.
    public const int MinOpset = 11;
    public const int MaxOpset = 23;
    public const string InputName = "input";
    public const string OutputName = "logits";
    public const string Producer = "EfficientNetLab";

    public static void Export(LoadedModel loaded, string path, OnnxExportOptions? options = null) =>
        Export(loaded.Model, loaded.ClassNames, loaded.Preset, path, options);

    /// <summary>Writes the model to <paramref name="path"/> (through a temporary file, so a reader never sees half of it).</summary>
    public static void Export(EfficientNet model, IReadOnlyList<string> classNames, EvalPreset preset, string path,
        OnnxExportOptions? options = null)
    {
        var proto = Build(model, classNames, preset, options ?? new OnnxExportOptions());
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = File.Create(tmp)) proto.WriteTo(stream);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    internal static ModelProto Build(EfficientNet model, IReadOnlyList<string> classNames, EvalPreset preset, OnnxExportOptions options)
    {
        if (options.Opset is < MinOpset or > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(options), options.Opset, $"opset must be {MinOpset}…{MaxOpset}.");
        if (classNames.Count != model.NumClasses)
            throw new ArgumentException($"{classNames.Count} class names for a model with {model.NumClasses} classes.", nameof(classNames));
        int size = options.ImageSize ?? preset.CropSize;
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(options), size, "image size must be positive.");

        var graph = new OnnxGraphBuilder();
        graph.Graph.Name = model.Variant.TorchvisionName;
        long? batch = options.DynamicBatch ? null : 1;
        long? side = options.DynamicImageSize ? null : size;
        graph.Graph.Input.Add(FloatTensor(InputName, [batch, 3, side, side], ["batch", "", "height", "width"]));
        graph.Graph.Output.Add(FloatTensor(OutputName, [batch, model.NumClasses], ["batch", ""]));

        var walker = new ModuleWalker(graph);
        var features = walker.Emit(model.Features, "features", InputName);
        var pooled = graph.Node("GlobalAveragePool", "avgpool", [features]);
        var flat = graph.Node("Flatten", "flatten", [pooled], Int("axis", 1));
        var logits = walker.Emit(model.Classifier, "classifier", flat);
        graph.Node("Identity", OutputName, [logits]);

        var proto = new ModelProto
        {
            IrVersion = IrVersion(options.Opset),
            ProducerName = Producer,
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "",
            DocString = $"torchvision {model.Variant.TorchvisionName}, eval mode, BatchNorm folded into Conv.",
            Graph = graph.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        var metadata = new CheckpointMetadata(model.Variant.Name, model.NumClasses, classNames, preset);
        foreach (var (key, value) in metadata.ToStringMap())
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>The oldest IR version that carries an opset (onnx/docs/Versioning.md), so older checkers accept the file.</summary>
    private static long IrVersion(int opset) => opset switch
    {
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    /// <summary>Emits the graph of a module subtree; each node is named after the module it comes from.</summary>
    private sealed class ModuleWalker(OnnxGraphBuilder graph)
    {
        /// <returns>The name of the value the module produces.</returns>
        public string Emit(nn.Module module, string path, string input) => module switch
        {
            Sequential sequential => EmitSequence(sequential, path, input),
            EfficientNetBlock block => EmitBlock(block, path, input),
            SqueezeExcitation se => EmitSqueezeExcitation(se, path, input),
            Conv2d conv => EmitConv(conv, path, input, TensorData.Float32(conv.weight),
                conv.bias is null ? null : TensorData.Float32(conv.bias)),
            SiLU => EmitSilu(path, input),
            Dropout => input,
            Linear linear => EmitLinear(linear, path, input),
            _ => throw new NotSupportedException($"{path}: no ONNX mapping for {module.GetType().Name}."),
        };

        private string EmitSequence(Sequential sequential, string path, string input)
        {
            var children = sequential.named_children().ToList();
            var x = input;
            for (int i = 0; i < children.Count; i++)
            {
                var (name, child) = children[i];
                if (child is Conv2d conv && i + 1 < children.Count && children[i + 1].module is BatchNorm2d norm)
                {
                    var (weight, bias) = BatchNormFolding.Fold(conv, norm);
                    x = EmitConv(conv, $"{path}.{name}", x, weight, bias);
                    i++;
                }
                else
                {
                    x = Emit(child, $"{path}.{name}", x);
                }
            }
            return x;
        }

        private string EmitBlock(EfficientNetBlock block, string path, string input)
        {
            var result = Emit(block.Block, path + ".block", input);
            return block.UseResidual ? graph.Node("Add", path + ".add", [result, input]) : result;
        }

        private string EmitSqueezeExcitation(SqueezeExcitation se, string path, string input)
        {
            var pooled = graph.Node("GlobalAveragePool", path + ".avgpool", [input]);
            var squeezed = Emit(se.Fc1, path + ".fc1", pooled);
            var activated = EmitSilu(path + ".activation", squeezed);
            var excited = Emit(se.Fc2, path + ".fc2", activated);
            var scale = graph.Node("Sigmoid", path + ".scale_activation", [excited]);
            return graph.Node("Mul", path, [input, scale]);
        }

        private string EmitSilu(string path, string input)
        {
            var gate = graph.Node("Sigmoid", path + ".sigmoid", [input]);
            return graph.Node("Mul", path, [input, gate]);
        }

        private string EmitConv(Conv2d conv, string path, string input, float[] weight, float[]? bias)
        {
            if (conv.padding_mode != PaddingModes.Zeros || conv.padding is not { Length: 2 } padding)
                throw new NotSupportedException($"{path}: only explicit zero padding is exported.");
            var inputs = new List<string> { input, graph.Initializer(path + ".weight", weight, conv.weight.shape) };
            if (bias is not null) inputs.Add(graph.Initializer(path + ".bias", bias, bias.Length));
            return graph.Node("Conv", path, inputs,
                Ints("kernel_shape", conv.kernel_size),
                Ints("strides", conv.stride),
                Ints("pads", [padding[0], padding[1], padding[0], padding[1]]),
                Ints("dilations", conv.dilation),
                Int("group", conv.groups));
        }

        private string EmitLinear(Linear linear, string path, string input)
        {
            var weight = graph.Initializer(path + ".weight", TensorData.Float32(linear.weight), linear.weight.shape);
            var inputs = new List<string> { input, weight };
            if (linear.bias is not null)
                inputs.Add(graph.Initializer(path + ".bias", TensorData.Float32(linear.bias), linear.bias.shape));
            return graph.Node("Gemm", path, inputs, Int("transB", 1));
        }
    }
}
