using System.Text.Json.Nodes;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Cli;

public sealed class ExportOnnxCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("effnet-export-cli").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task Verify_reports_the_difference_between_onnx_runtime_and_torchsharp()
    {
        var output = Path.Combine(dir, "b1.onnx");
        var json = await Support.Cli.JsonAsync("export-onnx", "--model", "b1",
            "--weights", Path.Combine(ParityFixtures.Variant("b1"), "state_dict.pth"),
            "--output", output, "--dynamic-batch", "--image-size", "96", "--opset", "13", "--verify");
        Assert.Equal("efficientnet_b1", (string)json["model"]!);
        Assert.Equal(output, (string)json["output"]!);
        Assert.Equal(new FileInfo(output).Length, (long)json["bytes"]!);
        Assert.Equal(13, (int)json["opset"]!);
        Assert.Equal("""["batch",3,96,96]""", json["input_shape"]!.ToJsonString());
        var verify = json["verify"]!;
        Assert.Equal("[2,3,96,96]", verify["input_shape"]!.ToJsonString());
        Assert.InRange((double)verify["max_abs_diff"]!, 0, 1e-4);
        Assert.InRange((double)verify["max_relative_diff"]!, 0, 1e-4);
    }

    [Fact]
    public async Task Human_output_names_the_file_and_the_check()
    {
        var output = Path.Combine(dir, "random.onnx");
        var (code, stdout, stderr) = await Support.Cli.RunAsync("export-onnx", "-m", "b0", "-w", "random", "-o", output,
            "--image-size", "64", "--verify");
        Assert.True(code == 0, stderr);
        Assert.Contains($"efficientnet_b0, random init (torchvision's initialisation) → {output}, opset 17, input [1,3,64,64]", stdout);
        Assert.Contains("verified with ONNX Runtime on 1×3×64×64 random inputs", stdout);
    }

    [Fact]
    public async Task A_bad_opset_fails_with_one_json_error_and_writes_nothing()
    {
        var output = Path.Combine(dir, "bad.onnx");
        var (code, stdout, stderr) = await Support.Cli.RunAsync("export-onnx", "-m", "b0", "-w", "random", "-o", output,
            "--opset", "9", "--json");
        Assert.Equal(1, code);
        Assert.Contains("opset must be 11…23", stderr);
        Assert.NotNull(JsonNode.Parse(stdout)!["error"]);
        Assert.False(File.Exists(output));
    }
}
