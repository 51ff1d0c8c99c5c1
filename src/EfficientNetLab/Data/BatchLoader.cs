using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using EfficientNetLab.Imaging;
using static TorchSharp.torch;

namespace EfficientNetLab.Data;

/// <summary>A file the loader could not use, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// Preprocessed images of one batch, in dataset order, as N×3×crop×crop floats (CHW per image) in a pooled
/// buffer: dispose it to hand the buffer back.
/// </summary>
public sealed class Batch : IDisposable
{
    private float[]? buffer;

    internal Batch(float[] buffer, int imageFloats, IReadOnlyList<(int Index, Sample Sample)> items, IReadOnlyList<(int Index, SkippedFile File)> skipped, TimeSpan decodeTime)
    {
        this.buffer = buffer;
        ImageFloats = imageFloats;
        Items = items;
        Skipped = skipped;
        DecodeTime = decodeTime;
    }

    /// <summary>Images in the batch with their position in the dataset (bad files removed).</summary>
    public IReadOnlyList<(int Index, Sample Sample)> Items { get; }

    /// <summary>Files of this batch's range that could not be read.</summary>
    public IReadOnlyList<(int Index, SkippedFile File)> Skipped { get; }

    public int Count => Items.Count;
    public int ImageFloats { get; }

    /// <summary>Sum over workers of the time spent decoding and transforming this batch.</summary>
    public TimeSpan DecodeTime { get; }

    public ReadOnlySpan<float> Data => (buffer ?? throw new ObjectDisposedException(nameof(Batch))).AsSpan(0, Count * ImageFloats);

    /// <summary>The images as a new Count×3×crop×crop float tensor on the CPU.</summary>
    public Tensor ToTensor(int crop)
    {
        var x = empty([Count, 3, crop, crop], ScalarType.Float32);
        // Tensor.bytes takes a Span but only reads from it.
        x.bytes = MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(Data), Data.Length));
        return x;
    }

    public void Dispose()
    {
        if (buffer is not null) ArrayPool<float>.Shared.Return(buffer);
        buffer = null;
    }
}

/// <summary>
/// Streams a dataset as preprocessed batches: N decode workers fill one batch at a time while up to
/// <c>prefetch</c> finished batches wait for the model, so memory is O(batch × prefetch) whatever the dataset
/// size. Order is the dataset's. A file that cannot be decoded is skipped and reported with the batch it
/// belonged to — or, with <c>strict</c>, ends the stream with its path.
/// </summary>
public sealed class BatchLoader(
    IReadOnlyList<Sample> samples,
    Preprocessor preprocessor,
    int batchSize,
    int workers = 0,
    int prefetch = 2,
    bool strict = false)
{
    public int Workers { get; } = workers > 0 ? workers : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Batches of samples[start..], each covering <c>batchSize</c> consecutive dataset positions.</summary>
    public async IAsyncEnumerable<Batch> ReadAsync(int start = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1.");
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(Math.Max(1, prefetch)) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => Produce(channel.Writer, start, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                yield return batch;
            }
            await producer;
        }
        finally
        {
            // The consumer stopped early (break, exception, cancellation): stop decoding and free what is queued.
            stop.Cancel();
            try { await producer; } catch (Exception) when (stop.IsCancellationRequested) { }
            while (channel.Reader.TryRead(out var left)) left.Dispose();
        }
    }

    private async Task Produce(ChannelWriter<Batch> writer, int start, CancellationToken ct)
    {
        int imageFloats = preprocessor.OutputLength;
        try
        {
            for (int first = start; first < samples.Count; first += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, samples.Count - first);
                var buffer = ArrayPool<float>.Shared.Rent(count * imageFloats);
                var ok = new bool[count];
                var errors = new SkippedFile?[count];
                long ticks = 0;
                try
                {
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = ct }, i =>
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        var sample = samples[first + i];
                        try
                        {
                            // Decode and resample buffers are per worker thread, reused across images and batches.
                            preprocessor.ProcessInto(sample.Path, buffer.AsSpan(i * imageFloats, imageFloats), PreprocessScratch.ForCurrentThread);
                            ok[i] = true;
                        }
                        catch (ImageDecodeException e)
                        {
                            errors[i] = new SkippedFile(sample.Path, e.Reason);
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or OutOfMemoryException)
                        {
                            errors[i] = new SkippedFile(sample.Path, e.Message);
                        }
                        Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - t0);
                    });
                }
                catch
                {
                    ArrayPool<float>.Shared.Return(buffer);
                    throw;
                }

                if (strict && Array.FindIndex(errors, e => e is not null) is var bad and >= 0)
                {
                    ArrayPool<float>.Shared.Return(buffer);
                    throw new ImageDecodeException(errors[bad]!.Path, errors[bad]!.Reason + " (--strict stops at the first unreadable file)");
                }

                // Compact the good images to the front so the batch is one contiguous block.
                var items = new List<(int, Sample)>(count);
                var skipped = new List<(int, SkippedFile)>();
                for (int i = 0; i < count; i++)
                {
                    if (!ok[i])
                    {
                        skipped.Add((first + i, errors[i]!));
                        continue;
                    }
                    if (items.Count != i)
                        buffer.AsSpan(i * imageFloats, imageFloats).CopyTo(buffer.AsSpan(items.Count * imageFloats, imageFloats));
                    items.Add((first + i, samples[first + i]));
                }
                var batch = new Batch(buffer, imageFloats, items, skipped, Stopwatch.GetElapsedTime(0, ticks));
                try
                {
                    await writer.WriteAsync(batch, ct);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }
            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
            throw;
        }
    }
}
