using EfficientNetLab.Cli;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Cli;

/// <summary>Progress fits its sink: a bar redrawn in place on a terminal, a few plain lines in a file or log.</summary>
public class ProgressTests
{
    /// <summary>157 reports, as 10,000 images in batches of 64 give.</summary>
    private static void Report157(IProgress<EvalProgress> bar)
    {
        for (int batch = 1; batch <= 157; batch++)
        {
            long done = Math.Min(10_000, batch * 64L);
            bar.Report(new EvalProgress(done, 10_000, 0, 100, 0.5, 0.9, TimeSpan.FromSeconds(batch)));
        }
    }

    [Fact]
    public void A_log_gets_a_first_and_a_final_line_within_one_interval()
    {
        var err = new StringWriter();
        Report157(new Output(new StringWriter(), err, stderrIsTerminal: false, TimeSpan.FromHours(1)).EvalBar());
        var text = err.ToString();
        Assert.DoesNotContain('\r', text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("[", lines[0]);
        Assert.Contains("64/10,000", lines[0]);
        Assert.Contains("10,000/10,000", lines[1]);
    }

    [Fact]
    public void A_log_gets_a_line_per_interval()
    {
        var err = new StringWriter();
        Report157(new Output(new StringWriter(), err, stderrIsTerminal: false, TimeSpan.Zero).EvalBar());
        Assert.Equal(157, err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void A_terminal_gets_one_bar_redrawn_in_place_and_notes_on_their_own_line()
    {
        var err = new StringWriter();
        var output = new Output(new StringWriter(), err, stderrIsTerminal: true);
        var bar = output.EvalBar();
        bar.Report(new EvalProgress(64, 128, 0, 100, 0.5, 0.9, TimeSpan.FromSeconds(1)));
        output.Note("skipped a.jpg: the file is empty.");
        bar.Report(new EvalProgress(128, 128, 0, 100, 0.5, 0.9, TimeSpan.FromSeconds(2)));
        // The half-drawn bar, the note, the bar again, and the final report ends the line.
        var lines = err.ToString().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("\r[", lines[0]);
        Assert.Contains("64/128", lines[0]);
        Assert.Equal("effnet: skipped a.jpg: the file is empty.", lines[1]);
        Assert.StartsWith("\r[", lines[2]);
        Assert.Contains("128/128", lines[2]);
        Assert.Equal("", lines[3]);
    }

    /// <summary>The real thing: <c>effnet eval 2&gt;file</c> in its own process, where stderr is a file.</summary>
    [Fact]
    public void Eval_into_a_file_writes_no_frames()
    {
        var err = Path.Combine(Directory.CreateTempSubdirectory("effnet-progress").FullName, "stderr.txt");
        var effnet = Path.Combine(AppContext.BaseDirectory, "effnet");
        Repo.Run("bash", ["-c", "exec \"$0\" eval --weights \"$1\" --data \"$2\" --limit 64 --batch-size 8 --device cpu 2>\"$3\"",
            effnet, Repo.SampleCheckpoint, Repo.SampleImages, err], new Dictionary<string, string?> { ["EFFNET_PROGRESS_INTERVAL"] = "3600" });
        var text = File.ReadAllText(err);
        Assert.DoesNotContain('\r', text);
        var progress = text.Split('\n').Where(l => l.StartsWith('[')).ToArray();
        Assert.Equal(2, progress.Length); // the first batch and the last of eight
        Assert.Contains("64/64", progress[^1]);
    }

    [Fact]
    public void A_bad_progress_interval_is_a_one_line_error()
    {
        var (code, _, stderr) = Repo.RunRaw(Path.Combine(AppContext.BaseDirectory, "effnet"), ["models"],
            new Dictionary<string, string?> { ["EFFNET_PROGRESS_INTERVAL"] = "soon" });
        Assert.Equal(1, code);
        Assert.Equal("effnet: error: EFFNET_PROGRESS_INTERVAL must be a number of seconds ≥ 0, got 'soon'.", stderr.Trim());
    }
}
