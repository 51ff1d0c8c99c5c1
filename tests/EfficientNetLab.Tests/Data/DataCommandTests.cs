using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Data;

public class DataCommandTests
{
    [Theory]
    [InlineData("data")]
    [InlineData("data check")]
    [InlineData("data fashion-mnist")]
    public async Task Data_verbs_have_help(string verb)
    {
        var (code, stdout, _) = await Support.Cli.RunAsync([.. verb.Split(' '), "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout);
        Assert.Contains($" {verb} ", stdout.Replace("\n", " "));
    }

    [Fact]
    public async Task Check_reports_every_unreadable_file_with_its_path_and_reason()
    {
        var t = new DatasetTree();
        foreach (var png in Directory.GetFiles(Path.Combine(Repo.Root, "samples", "images"), "*.png"))
            t.Copy(png, Path.Combine("cat", Path.GetFileName(png)));
        t.Image("dog/ok.jpg");
        var chelsea = File.ReadAllBytes(Path.Combine(Repo.Root, "samples", "images", "chelsea.png"));
        var bad = new Dictionary<string, string>
        {
            [t.Text("dog/empty.jpg", "")] = "empty",
            [t.Text("dog/text.jpg", "<html>404 not found</html>")] = "not a recognised image",
            [t.Bytes("cat/truncated.png", chelsea[..(chelsea.Length / 2)])] = "truncated",
            [t.Bytes("dog/random.jpeg", RandomBytes(4096))] = "not a recognised image",
        };

        var (code, stdout, stderr) = await Support.Cli.RunAsync("data", "check", t.Root, "--json");
        Assert.True(code == 1, $"exit code {code}: {stderr}");
        var json = JsonNode.Parse(stdout)!;
        Assert.Equal("class_folders", (string)json["layout"]!);
        Assert.Equal("sorted_folders", (string)json["mapping"]!);
        Assert.Equal(2 + 1 + 4, (int)json["samples"]!);
        Assert.Equal(["cat", "dog"], json["classes"]!.AsArray().Select(c => (string)c!["name"]!));
        var unreadable = json["unreadable"]!.AsArray().ToDictionary(u => (string)u!["path"]!, u => (string)u!["reason"]!);
        Assert.Equal(bad.Keys.Order(), unreadable.Keys.Order());
        foreach (var (path, reason) in bad) Assert.Contains(reason, unreadable[path]);

        var (humanCode, human, _) = await Support.Cli.RunAsync("data", "check", t.Root);
        Assert.Equal(1, humanCode);
        Assert.Contains("unreadable: 4", human);
        foreach (var path in bad.Keys) Assert.Contains($"  {path}: ", human);
    }

    [Fact]
    public async Task Fashion_mnist_export_then_check_passes()
    {
        var outDir = Directory.CreateTempSubdirectory("effnet-fmnist-cli").FullName;
        var export = await Support.Cli.JsonAsync("data", "fashion-mnist", "--out", outDir, "--limit", "20");
        var split = export["splits"]!.AsArray().Single()!;
        Assert.Equal("test", (string)split["split"]!);
        Assert.Equal(20, (int)split["images"]!);
        Assert.False((bool)split["skipped"]!);

        var check = await Support.Cli.JsonAsync("data", "check", Path.Combine(outDir, "test"), "--class-map", Path.Combine(outDir, "classes.txt"));
        Assert.Equal("class_map", (string)check["mapping"]!);
        Assert.Equal(20, (int)check["samples"]!);
        Assert.Equal(10, (int)check["num_classes"]!);
        Assert.Empty(check["unreadable"]!.AsArray());
        var first = FashionMnist.Read("test").Labels[0];
        Assert.Contains(check["classes"]!.AsArray(), c => (int)c!["label"]! == first && (string)c["name"]! == FashionMnist.FolderNames[first]);
    }

    [Fact]
    public async Task Check_of_a_missing_folder_is_a_one_line_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), "effnet-no-such-dataset");
        var (code, stdout, stderr) = await Support.Cli.RunAsync("data", "check", missing, "--json");
        Assert.Equal(1, code);
        Assert.Equal($"effnet: error: {missing}: folder not found.", stderr.Trim());
        Assert.Equal($"{missing}: folder not found.", (string)JsonNode.Parse(stdout)!["error"]!);
    }

    private static byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        new Random(1234).NextBytes(bytes);
        return bytes;
    }
}
