using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Data;

/// <summary>Alone, not beside other test classes: one test counts the process's decode threads.</summary>
[CollectionDefinition(nameof(BatchLoaderTests), DisableParallelization = true)]
public class BatchLoaderCollection;

[Collection(nameof(BatchLoaderTests))]
public class BatchLoaderTests
{
    /// <summary>The image fixtures (real photos in every format the kit reads) with an unreadable file between them.</summary>
    private static List<Sample> SamplesWithABadFile()
    {
        var files = ImageFixtures.Files.Where(ImageFolder.IsImageFile).ToList();
        var bad = Path.Combine(Directory.CreateTempSubdirectory("effnet-loader").FullName, "text.png");
        File.WriteAllText(bad, "not an image");
        files.Insert(files.Count / 2, bad);
        return files.Select((f, i) => new Sample(f, i % 3)).ToList();
    }

    private static async Task<List<(int[] Indices, int[] Skipped, float[] Data)>> ReadAll(IReadOnlyList<Sample> samples, int batchSize, int workers, int prefetch)
    {
        var loader = new BatchLoader(samples, new Preprocessor(EvalPreset.ImageNet), batchSize, workers, prefetch);
        var batches = new List<(int[], int[], float[])>();
        await foreach (var batch in loader.ReadAsync())
        {
            using var _ = batch;
            batches.Add((batch.Items.Select(i => i.Index).ToArray(), batch.Skipped.Select(s => s.Index).ToArray(), batch.Data.ToArray()));
        }
        return batches;
    }

    [Fact]
    public async Task Batches_hold_the_same_images_in_dataset_order_whatever_the_workers_and_prefetch()
    {
        var samples = SamplesWithABadFile();
        var preprocessor = new Preprocessor(EvalPreset.ImageNet);
        int bad = samples.FindIndex(s => s.Path.EndsWith("text.png"));
        foreach (var (workers, prefetch) in new[] { (1, 1), (2, 2), (3, 4) })
        {
            var batches = await ReadAll(samples, batchSize: 3, workers, prefetch);
            Assert.Equal((samples.Count + 2) / 3, batches.Count);
            Assert.Equal(Enumerable.Range(0, samples.Count).Where(i => i != bad), batches.SelectMany(b => b.Indices));
            Assert.Equal([bad], batches.SelectMany(b => b.Skipped));
            foreach (var (indices, _, data) in batches)
                Assert.Equal(indices.SelectMany(i => preprocessor.Process(samples[i].Path)), data);
        }
    }

    [Fact]
    public async Task Decoders_run_at_low_priority_and_are_gone_when_the_consumer_stops_early()
    {
        if (!OperatingSystem.IsLinux()) return;
        // Threads of the other tests' loaders have ended, but their OS threads may take a moment to leave /proc.
        Assert.True(NoDecodeThreadsWithin(TimeSpan.FromSeconds(10)), "decode threads of earlier loaders are still running");
        var samples = SamplesWithABadFile();
        var loader = new BatchLoader(samples, new Preprocessor(EvalPreset.ImageNet), batchSize: 2, workers: 2, prefetch: 1);
        Dictionary<int, int> nice = [];
        await foreach (var batch in loader.ReadAsync())
        {
            batch.Dispose();
            nice = DecodeThreadNiceValues();
            break;
        }
        Assert.Equal(2, nice.Count);
        Assert.All(nice.Values, n => Assert.Equal(BatchLoader.DecodeNice, n));
        Assert.True(NoDecodeThreadsWithin(TimeSpan.FromSeconds(10)), "decode threads still running after the consumer stopped");
    }

    private static bool NoDecodeThreadsWithin(TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (DecodeThreadNiceValues().Count > 0)
        {
            if (clock.Elapsed > timeout) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    [Fact]
    public async Task Strict_ends_the_stream_at_the_batch_with_the_bad_file()
    {
        var samples = SamplesWithABadFile();
        int bad = samples.FindIndex(s => s.Path.EndsWith("text.png"));
        var loader = new BatchLoader(samples, new Preprocessor(EvalPreset.ImageNet), batchSize: 2, workers: 2, strict: true);
        var seen = new List<int>();
        var e = await Assert.ThrowsAsync<ImageDecodeException>(async () =>
        {
            await foreach (var batch in loader.ReadAsync())
            {
                using var _ = batch;
                seen.AddRange(batch.Items.Select(i => i.Index));
            }
        });
        Assert.EndsWith("text.png", e.Path);
        Assert.Equal(Enumerable.Range(0, bad / 2 * 2), seen);
    }

    /// <summary>Nice value of each live decode thread of this process, by thread id (Linux /proc).</summary>
    private static Dictionary<int, int> DecodeThreadNiceValues()
    {
        var result = new Dictionary<int, int>();
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("effnet-decode", StringComparison.Ordinal)) continue;
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // Fields after the parenthesised name: state is field 3, nice field 19.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                result[int.Parse(Path.GetFileName(task))] = int.Parse(fields[19 - 3]);
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }
        return result;
    }
}
