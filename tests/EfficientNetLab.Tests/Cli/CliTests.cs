using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Cli;

public class CliTests
{
    public static TheoryData<string> Verbs => new(["models", "weights", "weights list", "weights download", "weights verify", "logits", "predict", "preprocess", "eval", "finetune", "data", "data check", "data fashion-mnist", "devices", "export-onnx", "bench"]);

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Every_verb_has_help(string verb)
    {
        var (code, stdout, _) = await Support.Cli.RunAsync([.. verb.Split(' '), "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout);
        Assert.Contains($" {verb} ", stdout.Replace("\n", " "));
    }

    [Fact]
    public async Task Models_json_lists_every_published_checkpoint()
    {
        var json = await Support.Cli.JsonAsync("models");
        var models = json["models"]!.AsArray();
        Assert.Equal(12, models.Count);
        var b0 = models.First(m => (string)m!["variant"]! == "b0")!;
        Assert.Equal(77.692, (double)b0["acc1"]!);
        Assert.Equal(224, (int)b0["preset"]!["crop_size"]!);
        Assert.Equal("bicubic", (string)b0["preset"]!["interpolation"]!);
        var v2l = models.First(m => (string)m!["variant"]! == "v2_l")!;
        Assert.Equal(0.5, (double)v2l["preset"]!["mean"]![0]!);
    }

    [Fact]
    public async Task Logits_verb_reproduces_torchvision()
    {
        var dir = ParityFixtures.Variant("b3");
        var output = Path.Combine(Directory.CreateTempSubdirectory("effnet-logits").FullName, "y.npy");
        var json = await Support.Cli.JsonAsync("logits", "--model", "b3", "--weights", Path.Combine(dir, "state_dict.pth"),
            "--input", Path.Combine(dir, "input.npy"), "--output", output);
        Assert.Equal("efficientnet_b3", (string)json["model"]!);
        using var expected = Npy.Read(Path.Combine(dir, "logits.npy"));
        using var actual = Npy.Read(output);
        LogitAssert.Close(expected, actual);
    }

    [Fact]
    public async Task Errors_are_one_line_on_stderr_with_a_json_error_on_stdout()
    {
        var (code, stdout, stderr) = await Support.Cli.RunAsync("logits", "--model", "b0", "--weights", ParityFixtures.Bad("truncated.pth"),
            "--input", "x.npy", "--output", "y.npy", "--json");
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("truncated", stderr);
        Assert.NotNull(JsonNode.Parse(stdout)!["error"]);
    }

    [Fact]
    public async Task Predict_classifies_a_real_photo_as_json()
    {
        var photo = Path.Combine(Repo.Root, "samples", "images", "chelsea.png");
        var json = await Support.Cli.JsonAsync("predict", "--model", "b0", "--weights", "random", "--topk", "3", photo);
        var top = json["predictions"]![0]!["top"]!.AsArray();
        Assert.Equal(3, top.Count);
        var probabilities = top.Select(t => (double)t!["probability"]!).ToArray();
        Assert.True(probabilities.SequenceEqual(probabilities.OrderDescending()));
        Assert.All(top, t => Assert.False(string.IsNullOrEmpty((string?)t!["label"])));
    }

    [Fact]
    public async Task Predict_reports_an_unreadable_image_by_path()
    {
        var bad = Path.Combine(Directory.CreateTempSubdirectory("effnet-bad").FullName, "photo.jpg");
        File.WriteAllText(bad, "this is not a jpeg");
        var (code, _, stderr) = await Support.Cli.RunAsync("predict", "--model", "b0", "--weights", "random", bad);
        Assert.Equal(1, code);
        Assert.Contains(bad, stderr);
    }
}
