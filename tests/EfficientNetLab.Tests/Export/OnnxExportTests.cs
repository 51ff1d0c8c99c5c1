using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Export;
using EfficientNetLab.Imaging;
using EfficientNetLab.Models;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Export;

/// <summary>
/// The ONNX export run by ONNX Runtime must reproduce torchvision's logits for every variant (same bar as the
/// TorchSharp parity tests), be a valid model for the reference onnx checker, and keep what the kit needs.
/// </summary>
public sealed class OnnxExportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("effnet-onnx").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static TheoryData<string> Variants => new(EfficientNetVariants.All.Select(v => v.Name));

    [Theory]
    [Trait("Category", "Parity")]
    [MemberData(nameof(Variants))]
    public async Task Onnx_runtime_logits_match_torchvision(string variant)
    {
        var fixture = ParityFixtures.Variant(variant);
        using var input = Npy.Read(Path.Combine(fixture, "input.npy"));
        using var expected = Npy.Read(Path.Combine(fixture, "logits.npy"));
        int batch = (int)input.shape[0], size = (int)input.shape[2];
        var path = Path.Combine(dir, variant + ".onnx");
        using (var loaded = await ModelLoader.LoadAsync(variant, Path.Combine(fixture, "state_dict.pth")))
            OnnxExporter.Export(loaded, path, new OnnxExportOptions { DynamicBatch = true, ImageSize = size });

        using var onnx = new OnnxRuntimeModel(path);
        var logits = onnx.Run(input.data<float>().ToArray(), batch);
        using var actual = tensor(logits, [batch, onnx.NumClasses]);
        LogitAssert.Close(expected, actual);
    }

    [Fact]
    public async Task Onnx_checker_accepts_the_graph_and_metadata_round_trips()
    {
        string[] classes = ["cat", "dog \"quoted\"", "café, naïve", "bird"];
        var preset = new EvalPreset(96, 110, Interpolation.Bilinear, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);
        var path = Path.Combine(dir, "v2_s.onnx");
        using (var model = new EfficientNet(EfficientNetVariants.Get("v2_s"), numClasses: classes.Length))
            OnnxExporter.Export(model, classes, preset, path, new OnnxExportOptions { DynamicBatch = true, DynamicImageSize = true });

        var report = JsonNode.Parse(Repo.PythonCode("""
            import json, sys, onnx
            m = onnx.load(sys.argv[1])
            onnx.checker.check_model(m, full_check=True)
            inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
            dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            print(json.dumps({
                "producer": m.producer_name, "opset": m.opset_import[0].version, "ir": m.ir_version,
                "ops": sorted({n.op_type for n in m.graph.node}),
                "input": dims(m.graph.input[0]), "output": dims(inferred.graph.output[0]),
                "props": {p.key: p.value for p in m.metadata_props},
            }))
            """, path))!;
        Assert.Equal(OnnxExporter.Producer, (string)report["producer"]!);
        Assert.Equal(17, (int)report["opset"]!);
        Assert.Equal(8, (int)report["ir"]!);
        Assert.Equal(["Add", "Conv", "Flatten", "Gemm", "GlobalAveragePool", "Identity", "Mul", "Sigmoid"],
            report["ops"]!.AsArray().Select(o => (string)o!));
        Assert.Equal("""["batch",3,"height","width"]""", report["input"]!.ToJsonString());
        Assert.Equal("""["batch",4]""", report["output"]!.ToJsonString());
        var fromPython = CheckpointMetadata.FromStringMap(report["props"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!));

        using var onnx = new OnnxRuntimeModel(path);
        Assert.Equal(OnnxExporter.Producer, onnx.ProducerName);
        foreach (var meta in new[] { fromPython, onnx.Metadata })
        {
            Assert.Equal("v2_s", meta.Variant);
            Assert.Equal(classes.Length, meta.NumClasses);
            Assert.Equal(classes, meta.ClassNames);
            Assert.Equal(preset, meta.Preset);
        }
    }

    [Fact]
    public async Task Dynamic_batch_runs_one_and_three_images_like_torchsharp()
    {
        using var loaded = await ModelLoader.LoadAsync("b0", "random");
        var path = Path.Combine(dir, "b0.onnx");
        OnnxExporter.Export(loaded, path, new OnnxExportOptions { DynamicBatch = true, ImageSize = 64 });
        using var onnx = new OnnxRuntimeModel(path, intraOpThreads: 1);
        Assert.Null(onnx.FixedBatch);
        Assert.Equal(64, onnx.FixedHeight);

        using var x = randn(3, 3, 64, 64, generator: new TorchSharp.torch.Generator(7));
        var images = x.data<float>().ToArray();
        var logits = new float[3 * onnx.NumClasses];
        onnx.Run(images, 3, logits);
        var single = onnx.Run(images, 1);

        using var _ = no_grad();
        using var expected = loaded.Model.forward(x);
        using var three = tensor(logits, [3, onnx.NumClasses]);
        using var one = tensor(single, [1, onnx.NumClasses]);
        LogitAssert.Close(expected, three);
        LogitAssert.Close(expected.narrow(0, 0, 1), one);
    }

    [Fact]
    public async Task A_batch_larger_than_one_run_runs_in_equal_runs_with_the_same_logits()
    {
        // 5 MB of input a run: 8 images at 224² (B0's crop), 4 at 300² (B3), 2 at 384² (V2-S), 1 at 600² (B7).
        Assert.Equal([8, 4, 2, 1], new[] { 224, 300, 384, 600 }.Select(size => OnnxRuntimeModel.ImagesPerRun(size, size)));

        using var loaded = await ModelLoader.LoadAsync("b0", "random");
        var path = Path.Combine(dir, "b0-224.onnx");
        OnnxExporter.Export(loaded, path, new OnnxExportOptions { DynamicBatch = true });
        using var onnx = new OnnxRuntimeModel(path, intraOpThreads: 2);
        Assert.Equal(8, onnx.MaxImagesPerRun(224, 224));
        // 11 images: runs of 6 and 5. Each image's logits must come back in its own row, whatever run it was in.
        using var x = randn(11, 3, 224, 224, generator: new TorchSharp.torch.Generator(11));
        var logits = onnx.Run(x.data<float>().ToArray(), 11);

        using var _ = no_grad();
        using var expected = loaded.Model.forward(x);
        using var actual = tensor(logits, [11, onnx.NumClasses]);
        LogitAssert.Close(expected, actual);
    }

    [Fact]
    public async Task Fixed_shapes_are_enforced_and_dynamic_sizes_run_non_square_images()
    {
        using var loaded = await ModelLoader.LoadAsync("b0", "random");
        var fixedPath = Path.Combine(dir, "fixed.onnx");
        OnnxExporter.Export(loaded, fixedPath);
        using (var fixedModel = new OnnxRuntimeModel(fixedPath))
        {
            Assert.Equal((1, 224, 224), (fixedModel.FixedBatch, fixedModel.FixedHeight, fixedModel.FixedWidth));
            Assert.Equal(1, fixedModel.MaxImagesPerRun(224, 224));
            Assert.Throws<ArgumentOutOfRangeException>(() => fixedModel.Run(new float[3 * 3 * 224 * 224], 3));
            Assert.Throws<ArgumentException>(() => fixedModel.Run(new float[3 * 64 * 64], 1, 64, 64));
        }

        var dynamicPath = Path.Combine(dir, "dynamic.onnx");
        OnnxExporter.Export(loaded, dynamicPath, new OnnxExportOptions { DynamicImageSize = true });
        using var dynamicModel = new OnnxRuntimeModel(dynamicPath);
        Assert.Throws<ArgumentException>(() => dynamicModel.Run(new float[3 * 64 * 96], 1));
        using var x = randn(1, 3, 64, 96, generator: new TorchSharp.torch.Generator(3));
        var logits = dynamicModel.Run(x.data<float>().ToArray(), 1, 64, 96);
        using var _ = no_grad();
        using var expected = loaded.Model.forward(x);
        using var actual = tensor(logits, [1, dynamicModel.NumClasses]);
        LogitAssert.Close(expected, actual);
    }

    [Theory]
    [InlineData(OnnxExporter.MinOpset)]
    [InlineData(OnnxExporter.MaxOpset)]
    public async Task Every_supported_opset_runs_in_onnx_runtime(int opset)
    {
        using var loaded = await ModelLoader.LoadAsync("b0", "random");
        var path = Path.Combine(dir, $"b0-{opset}.onnx");
        OnnxExporter.Export(loaded, path, new OnnxExportOptions { Opset = opset, ImageSize = 64 });
        using var onnx = new OnnxRuntimeModel(path);
        var check = OnnxVerifier.Verify(loaded.Model, onnx, 64);
        Assert.True(check.Passed, $"opset {opset}: max abs {check.MaxAbsDiff:E3}, relative {check.MaxRelativeDiff:E3}");
    }

    [Theory]
    [InlineData(OnnxExporter.MinOpset - 1)]
    [InlineData(OnnxExporter.MaxOpset + 1)]
    public async Task Unsupported_opsets_are_refused(int opset)
    {
        using var loaded = await ModelLoader.LoadAsync("b0", "random");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            OnnxExporter.Export(loaded, Path.Combine(dir, "x.onnx"), new OnnxExportOptions { Opset = opset }));
        Assert.Contains("opset must be", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, "x.onnx")));
    }

    [Fact]
    public async Task Export_cache_is_keyed_by_the_checkpoint_contents()
    {
        var checkpoint = Path.Combine(dir, "model.pth");
        File.Copy(Path.Combine(ParityFixtures.Variant("b0"), "state_dict.pth"), checkpoint);
        string first;
        using (var loaded = await ModelLoader.LoadAsync("b0", checkpoint))
        {
            first = OnnxExportCache.GetOrExport(loaded);
            Assert.Matches(@"model\.pth\.[0-9a-f]{16}\.onnx$", first);
            var written = File.GetLastWriteTimeUtc(first);
            Assert.Equal(first, OnnxExportCache.GetOrExport(loaded));
            Assert.Equal(written, File.GetLastWriteTimeUtc(first));
        }
        using (var onnx = new OnnxRuntimeModel(first))
            Assert.Equal((null, 224, 224), (onnx.FixedBatch, onnx.FixedHeight, onnx.FixedWidth));

        File.Copy(ParityFixtures.Bad("b0_10_classes.pth"), checkpoint, overwrite: true);
        using (var replaced = await ModelLoader.LoadAsync("b0", checkpoint))
        {
            var second = OnnxExportCache.GetOrExport(replaced);
            Assert.NotEqual(first, second);
            using var onnx = new OnnxRuntimeModel(second);
            Assert.Equal(10, onnx.NumClasses);
        }

        using var random = await ModelLoader.LoadAsync("b0", "random");
        Assert.Throws<ArgumentException>(() => OnnxExportCache.GetOrExport(random));
    }

    [Fact]
    public void A_foreign_onnx_file_is_refused_with_what_is_expected()
    {
        var path = Path.Combine(dir, "identity.onnx");
        Repo.PythonCode("""
            import sys, onnx
            from onnx import helper, TensorProto
            x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
            y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
            graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), sys.argv[1])
            """, path);
        var e = Assert.Throws<InvalidDataException>(() => new OnnxRuntimeModel(path));
        Assert.Contains("input 'input'", e.Message);
    }
}
