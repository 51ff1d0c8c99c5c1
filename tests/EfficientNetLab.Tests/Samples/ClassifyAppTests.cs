using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Samples;

/// <summary>
/// samples/apps/classify.cs, the README's "without the kernel" example, built and run as a .NET 10 file-based app
/// (`dotnet run`) from the repository root and from its own folder: what it prints must be what the library's
/// Predictor says in-process for the same images.
/// </summary>
public class ClassifyAppTests
{
    private static readonly Regex Score = new(@"^  +(\d+\.\d\d)%  (\S+)$");

    [Fact]
    public async Task The_app_prints_the_librarys_top3_for_one_shipped_image_per_class()
    {
        var printed = Parse(RunApp(Repo.Root, "samples/apps/classify.cs"));
        var classes = Directory.GetDirectories(Repo.SampleImages).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(classes, printed.Select(p => Path.GetFileName(Path.GetDirectoryName(p.Image))));
        await AssertLibraryAgrees(printed);
        // The shipped checkpoint (92.71% top-1) gets the first image of every class right.
        Assert.All(printed, p => Assert.Equal(Path.GetFileName(Path.GetDirectoryName(p.Image)), p.Top[0].Label));
    }

    [Fact]
    public async Task The_app_runs_from_its_own_folder_on_the_image_it_is_given()
    {
        var image = Directory.GetFiles(Path.Combine(Repo.SampleImages, "Bag"), "*.png").Order(StringComparer.Ordinal).Last();
        var relative = Path.GetRelativePath(Path.Combine(Repo.Root, "samples", "apps"), image);
        var printed = Parse(RunApp(Path.Combine(Repo.Root, "samples", "apps"), "classify.cs", relative));
        Assert.Equal(Path.GetRelativePath(Repo.Root, image), Assert.Single(printed).Image);
        await AssertLibraryAgrees(printed);
    }

    private static async Task AssertLibraryAgrees(IReadOnlyList<(string Image, List<(double Percent, string Label)> Top)> printed)
    {
        using var model = await ModelLoader.LoadAsync(null, Repo.SampleCheckpoint);
        using var predictor = new Predictor(model);
        foreach (var (image, top) in printed)
        {
            var expected = predictor.Classify(Path.Combine(Repo.Root, image), topk: 3)
                .Select(s => (Math.Round(s.Probability * 100, 2), s.Label)).ToList();
            Assert.Equal(expected, top);
        }
    }

    /// <summary>The image paths the app printed, each with its "  PP.PP%  Label" lines.</summary>
    private static List<(string Image, List<(double Percent, string Label)> Top)> Parse(string stdout)
    {
        var result = new List<(string, List<(double, string)>)>();
        foreach (var line in stdout.Split('\n').Skip(1).Where(l => l.Length > 0))
        {
            if (Score.Match(line) is { Success: true } m)
                result[^1].Item2.Add((double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value));
            else
                result.Add((line, []));
        }
        Assert.All(result, r => Assert.Equal(3, r.Item2.Count));
        return result;
    }

    private static string RunApp(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["run", .. args]) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // The first run builds the app and the library it references: minutes on a small machine.
        if (!p.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} ran over 15 minutes");
        }
        Assert.True(p.ExitCode == 0, $"dotnet run {string.Join(' ', args)} in {workingDirectory} exited {p.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result.Replace("\r", "");
    }
}
