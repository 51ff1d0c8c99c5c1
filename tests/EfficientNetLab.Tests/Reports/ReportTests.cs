using System.Text.RegularExpressions;
using EfficientNetLab.Benchmarks;
using EfficientNetLab.Reports;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Reports;

/// <summary>The views outside a notebook: self-contained pages, console text, a lesson app's output folder.</summary>
public class ReportTests(SampleModel sample) : IClassFixture<SampleModel>
{
    private static readonly Regex ScriptSrc = new(@"<script[^>]*\ssrc\s*=", RegexOptions.IgnoreCase);

    private static BenchmarkReport Benchmark() => new("fashion", [
        new BenchResult("efficientnet_b0", 1, 224, "cpu", "float32", "contiguous", 2, 3, 10.5, 11.0, 10.7, 95.2),
        new BenchResult("efficientnet_b0", 8, 224, "cpu", "float32", "contiguous", 2, 3, 60.0, 61.0, 60.2, 133.3),
    ]);

    [Fact]
    public void A_page_with_a_chart_carries_plotly_inline_and_no_remote_script()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("effnet-report").FullName, "bench.html");
        Report.SaveHtml(Benchmark(), path, "bench");
        var html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<title>bench</title>", html);
        Assert.Single(Regex.Matches(html, "data-effnet=\"plotly.js\""));
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("Benchmark fashion", html);
        Assert.DoesNotMatch(ScriptSrc, html);
        // plotly.js's head script precedes the chart that calls it.
        Assert.True(html.IndexOf("data-effnet=\"plotly.js\"", StringComparison.Ordinal) < html.IndexOf("Plotly.newPlot(", StringComparison.Ordinal));
    }

    [Fact]
    public void A_page_without_a_chart_carries_no_plotly_and_a_value_without_a_view_its_text()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-report").FullName;
        Report.SaveHtml(Lab.Card(sample.Model, "fashion"), Path.Combine(dir, "card.html"));
        var card = File.ReadAllText(Path.Combine(dir, "card.html"));
        Assert.Contains("fashion = efficientnet_b0", card);
        Assert.Contains("<title>ModelCard</title>", card);
        Assert.DoesNotContain("data-effnet=\"plotly.js\"", card);

        Report.SaveHtml(new[] { 1, 2 }, Path.Combine(dir, "list.html"));
        Assert.Contains("<pre>1\n2</pre>", File.ReadAllText(Path.Combine(dir, "list.html")));
    }

    [Fact]
    public void Text_of_other_values_lists_their_public_properties()
    {
        Assert.Null(Report.Html(new { A = 1 }));
        Assert.Equal("<null>", Report.Text(null));
        Assert.Equal("1.5", Report.Text(1.5));
        Assert.Equal("(empty)", Report.Text(Array.Empty<string>()));
        Assert.Equal("Point\nX     1\nName  a b", Report.Text(new Point(1, "a\nb")));
        Assert.Equal("X     1\nName  a", Report.Text(new { X = 1, Name = "a" }));
        Assert.Equal("X  Name\n1  a\n2  bb", Report.Text(new List<Point> { new(1, "a"), new(2, "bb") }));
        Assert.Equal("Item1  Item2\n1      x", Report.Text(new[] { (1, "x") }));
        var many = Report.Text(Enumerable.Range(0, Report.TextRows + 5));
        Assert.EndsWith($"… more than {Report.TextRows} items", many);
        Assert.Equal(Report.TextRows + 1, many.Split('\n').Length);
    }

    [Fact]
    public void The_kits_own_types_keep_their_summaries()
    {
        Assert.StartsWith("batch  img/s", Report.Text(Benchmark()));
        Assert.StartsWith("fashion = efficientnet_b0:", Report.Text(Lab.Card(sample.Model, "fashion")));
        Assert.Contains("Compute devices", Report.Html(Lab.DeviceInfo()));
    }

    public sealed record Point(int X, string Name);
}

/// <summary>Console output is process-wide: these tests capture it, so nothing else may run beside them.</summary>
[CollectionDefinition("console", DisableParallelization = true)]
public class ConsoleCollection;

[Collection("console")]
public class LessonOutputTests(SampleModel sample) : IClassFixture<SampleModel>
{
    [Fact]
    public void Show_prints_text_and_writes_a_numbered_page_per_value_with_a_view()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-lesson").FullName;
        File.WriteAllText(Path.Combine(dir, "07-stale-page.html"), "from the last run");
        File.WriteAllText(Path.Combine(dir, "notes.html"), "not a page");
        var previous = Environment.GetEnvironmentVariable(LessonOutput.FolderVariable);
        var console = Console.Out;
        var printed = new StringWriter();
        try
        {
            Environment.SetEnvironmentVariable(LessonOutput.FolderVariable, dir);
            Console.SetOut(printed);
            var lesson = LessonOutput.Open("01-quickstart");
            lesson.Show("plain words");
            lesson.Show(Lab.Card(sample.Model, "fashion"));
            lesson.Show(Lab.Preprocess(Directory.GetFiles(Path.Combine(Repo.SampleImages, "Bag")).Order(StringComparer.Ordinal).First(), sample.Model));
        }
        finally
        {
            Console.SetOut(console);
            Environment.SetEnvironmentVariable(LessonOutput.FolderVariable, previous);
        }
        Assert.Equal(["01-model-card.html", "02-preprocess-result.html", "notes.html"],
            Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var lines = printed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("plain words", lines[0]);
        Assert.StartsWith("fashion = efficientnet_b0:", lines[1]);
        Assert.Equal($"→ {Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(dir, "01-model-card.html"))}", lines[2]);
        Assert.EndsWith("02-preprocess-result.html", lines[^1]);
        Assert.Contains("<title>01-quickstart: 02-preprocess-result</title>", File.ReadAllText(Path.Combine(dir, "02-preprocess-result.html")));
    }

    [Fact]
    public void A_page_is_named_by_its_type_in_kebab_case()
    {
        Assert.Equal("model-card", LessonOutput.Kind(typeof(ModelCard)));
        Assert.Equal("eval-result", LessonOutput.Kind(typeof(EfficientNetLab.Evaluation.EvalResult)));
        Assert.Equal("device-report", LessonOutput.Kind(typeof(EfficientNetLab.Devices.DeviceReport)));
        Assert.Equal("chart", LessonOutput.Kind(Plotly.NET.GenericChart.ofTraceObject(true, new Plotly.NET.Trace("bar")).GetType()));
        Assert.Equal("tensor", LessonOutput.Kind(TorchSharp.torch.zeros(1).GetType()));
    }
}
