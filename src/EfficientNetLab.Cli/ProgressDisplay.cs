using System.Diagnostics;

namespace EfficientNetLab.Cli;

/// <summary>
/// One task's progress on stderr, in the form its sink can show: on a terminal a bar redrawn in place with a
/// carriage return; anywhere else (a file, a pipe, a CI log) a plain line at the first report, then at most one
/// per <c>interval</c>, and one at the end, as tqdm does, so that a log holds a few lines instead of a frame per batch.
/// Reports on the caller's thread, so progress never interleaves with a verb's other output.
/// </summary>
internal sealed class ProgressDisplay<T>(Output output, Func<T, string> format, Func<T, bool> isFinal) : IProgress<T>
{
    private long lastLine;

    public void Report(T value)
    {
        var text = format(value);
        bool final = isFinal(value);
        if (output.StderrIsTerminal)
        {
            output.Err.Write($"\r{text}   ");
            output.BarOpen = !final;
            if (final) output.Err.WriteLine();
            return;
        }
        long now = Stopwatch.GetTimestamp();
        if (!final && lastLine != 0 && Stopwatch.GetElapsedTime(lastLine, now) < output.ProgressInterval) return;
        output.Err.WriteLine(text);
        lastLine = now;
    }
}
