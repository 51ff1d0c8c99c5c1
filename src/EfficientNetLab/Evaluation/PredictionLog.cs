using System.Globalization;
using System.Text;
using EfficientNetLab.Data;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// predictions.csv and skipped.csv in an eval's output folder: appended and flushed batch by batch so that
/// nothing computed is lost, and read back by <c>--resume</c>.
/// </summary>
public sealed class PredictionLog : IDisposable
{
    public const string PredictionsFile = "predictions.csv";
    public const string SkippedFile = "skipped.csv";

    private readonly StreamWriter predictions;
    private readonly StreamWriter skipped;
    private readonly int topk;

    private PredictionLog(string dir, int topk, bool append)
    {
        this.topk = topk;
        predictions = Open(Path.Combine(dir, PredictionsFile), append, Header(topk));
        skipped = Open(Path.Combine(dir, SkippedFile), append, "index,path,reason");
    }

    public static PredictionLog Create(string dir, int topk) => new(dir, topk, append: false);

    public static PredictionLog Append(string dir, int topk) => new(dir, topk, append: true);

    private static string Header(int topk) =>
        "index,path,label," + string.Join(",", Enumerable.Range(1, topk).Select(i => $"top{i}")) + "," +
        string.Join(",", Enumerable.Range(1, topk).Select(i => $"p{i}")) + ",correct1,correct5";

    private static StreamWriter Open(string path, bool append, string header)
    {
        bool exists = append && File.Exists(path) && new FileInfo(path).Length > 0;
        var writer = new StreamWriter(path, append, new UTF8Encoding(false));
        if (!exists) writer.WriteLine(header);
        return writer;
    }

    public void Write(IEnumerable<Prediction> batch, IEnumerable<(int Index, SkippedFile File)> skippedFiles)
    {
        foreach (var p in batch)
        {
            var sb = new StringBuilder();
            sb.Append(p.Index).Append(',').Append(Csv(p.Path)).Append(',').Append(p.Label);
            foreach (var i in p.TopIndices) sb.Append(',').Append(i);
            foreach (var prob in p.TopProbabilities) sb.Append(',').Append(prob.ToString("0.######", CultureInfo.InvariantCulture));
            sb.Append(',').Append(p.Correct1 ? 1 : 0).Append(',').Append(p.Correct5 ? 1 : 0);
            predictions.WriteLine(sb.ToString());
        }
        foreach (var (index, file) in skippedFiles)
            skipped.WriteLine($"{index},{Csv(file.Path)},{Csv(file.Reason)}");
        predictions.Flush();
        skipped.Flush();
    }

    public void Dispose()
    {
        predictions.Dispose();
        skipped.Dispose();
    }

    /// <summary>What an earlier, interrupted run recorded.</summary>
    public static (List<Prediction> Predictions, List<(int Index, SkippedFile File)> Skipped) Read(string dir)
    {
        var preds = new List<Prediction>();
        var skips = new List<(int, SkippedFile)>();
        var predPath = Path.Combine(dir, PredictionsFile);
        if (File.Exists(predPath))
        {
            foreach (var row in ReadRows(predPath).Skip(1))
            {
                int k = (row.Count - 5) / 2;
                if (row.Count < 7 || row.Count != 5 + 2 * k) continue; // a line cut by a crash mid-write
                preds.Add(new Prediction(int.Parse(row[0], CultureInfo.InvariantCulture), row[1], int.Parse(row[2], CultureInfo.InvariantCulture),
                    row.Skip(3).Take(k).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
                    row.Skip(3 + k).Take(k).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()));
            }
        }
        var skipPath = Path.Combine(dir, SkippedFile);
        if (File.Exists(skipPath))
        {
            foreach (var row in ReadRows(skipPath).Skip(1))
                if (row.Count == 3) skips.Add((int.Parse(row[0], CultureInfo.InvariantCulture), new SkippedFile(row[1], row[2])));
        }
        return (preds, skips);
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    private static IEnumerable<List<string>> ReadRows(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            var fields = new List<string>();
            var sb = new StringBuilder();
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                    else if (c == '"') quoted = false;
                    else sb.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
                else sb.Append(c);
            }
            fields.Add(sb.ToString());
            yield return fields;
        }
    }
}
