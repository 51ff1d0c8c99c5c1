using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using EfficientNetLab.Devices;
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
/// Streams a dataset as preprocessed batches: N decode threads take the next image of the stream one at a time
/// (no wait at batch ends) while up to <c>prefetch</c> batches ahead of the one the model has are being decoded
/// or wait, so memory is O(batch × prefetch) whatever the dataset size. Order is the dataset's. A file that cannot
/// be decoded is skipped and reported with the batch it belonged to — or, with <c>strict</c>, ends the stream with
/// its path. The decode threads run at low priority (<see cref="DecodeNice"/>).
/// </summary>
public sealed class BatchLoader(
    IReadOnlyList<Sample> samples,
    Preprocessor preprocessor,
    int batchSize,
    int workers = 0,
    int prefetch = 2,
    bool strict = false)
{
    /// <summary>
    /// The nice value of the decode threads. On a CPU the model and the decoders share the cores, and the model's
    /// intra-op threads meet at a barrier after every operator: a decoder that preempts one of them stalls them
    /// all. At the lowest priority the decoders take only the time the model leaves (between operators, while it
    /// waits for the next batch), which is the two-core bound P / (P/M + c) of docs/benchmarks.md. Measured on a
    /// loaded 2-core machine (medians of 3 alternating runs, eval / bound): libtorch 0.88 → 0.92, ONNX Runtime
    /// 0.72 → 0.79. Busy threads of the same login session also outrank the decoders (the model then waits for
    /// data instead of stalling beside them); GPU runs and spare cores are unaffected.
    /// </summary>
    public const int DecodeNice = 19;

    // Fields, not captured parameters, so that the decode threads' shared state can read them.
    private readonly IReadOnlyList<Sample> samples = samples;
    private readonly Preprocessor preprocessor = preprocessor;
    private readonly int batchSize = batchSize;
    private readonly int prefetch = prefetch;
    private readonly bool strict = strict;

    public int Workers { get; } = workers > 0 ? workers : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Batches of samples[start..], each covering <c>batchSize</c> consecutive dataset positions.</summary>
    public async IAsyncEnumerable<Batch> ReadAsync(int start = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1.");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stream = new DecodeStream(this, start, stop);
        try
        {
            await foreach (var pending in stream.Batches.ReadAllAsync(CancellationToken.None))
            {
                var batch = await pending.Done.Task;
                stream.HandOver(pending);
                yield return batch;
            }
        }
        finally
        {
            // The consumer stopped early (break, exception, cancellation) or the stream ended: stop decoding, wait
            // until no decoder writes into a buffer, then free what was never handed over.
            stop.Cancel();
            await stream.Exited.Task;
            stream.JoinThreads();
            stream.FreeLeftovers();
        }
    }

    /// <summary>One batch being decoded: its slice of the dataset, its buffer and how many images are still out.</summary>
    private sealed class PendingBatch(int first, int count, int imageFloats)
    {
        public readonly int First = first;
        public readonly int Count = count;
        public readonly float[] Buffer = ArrayPool<float>.Shared.Rent(count * imageFloats);
        public readonly bool[] Ok = new bool[count];
        public readonly SkippedFile?[] Errors = new SkippedFile?[count];
        public int Remaining = count;
        public long Ticks;
        /// <summary>Completes on a decode thread; the consumer's continuation (the model) must not run there.</summary>
        public readonly TaskCompletionSource<Batch> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The state the decode threads of one <see cref="ReadAsync"/> share.</summary>
    private sealed class DecodeStream
    {
        private readonly BatchLoader loader;
        private readonly CancellationTokenSource stop;
        private readonly Channel<PendingBatch> batches;
        private readonly object gate = new();
        /// <summary>Batches created and not yet handed to the consumer: what is left to free if the stream stops.</summary>
        private readonly HashSet<PendingBatch> live = [];
        /// <summary>Guards <see cref="live"/> only, never held while waiting: cancellation callbacks take it.</summary>
        private readonly object liveGate = new();
        private PendingBatch? current;
        private int next;
        private int nextInCurrent;
        private int running;
        private readonly Thread[] threads;

        public DecodeStream(BatchLoader loader, int start, CancellationTokenSource stop)
        {
            this.loader = loader;
            this.stop = stop;
            // The window counts batches being decoded as well as decoded ones: the consumer takes a batch from the
            // channel when it starts waiting for it.
            batches = Channel.CreateBounded<PendingBatch>(new BoundedChannelOptions(Math.Max(1, loader.prefetch)) { SingleReader = true });
            next = start;
            if (start >= loader.samples.Count) batches.Writer.Complete();
            stop.Token.Register(() => Abort(null));
            running = loader.Workers;
            threads = [.. Enumerable.Range(0, loader.Workers).Select(w => new Thread(Decode) { IsBackground = true, Name = $"effnet-decode-{w}" })];
            foreach (var thread in threads) thread.Start();
        }

        public ChannelReader<PendingBatch> Batches => batches.Reader;

        /// <summary>Completes when every decode thread has finished its work (they end right after).</summary>
        public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>After <see cref="Exited"/>: waits the moment until the threads are gone.</summary>
        public void JoinThreads()
        {
            foreach (var thread in threads) thread.Join();
        }

        public void HandOver(PendingBatch pending)
        {
            lock (liveGate) live.Remove(pending);
        }

        public void FreeLeftovers()
        {
            lock (liveGate)
            {
                foreach (var pending in live)
                {
                    if (pending.Done.Task.IsCompletedSuccessfully) pending.Done.Task.Result.Dispose();
                    else ArrayPool<float>.Shared.Return(pending.Buffer);
                }
                live.Clear();
                while (batches.Reader.TryRead(out _)) { }
            }
        }

        private void Decode()
        {
            try
            {
                ThreadNice.LowerCurrentThread(DecodeNice);
                // Decode and resample buffers (and a JPEG decompressor) reused across this thread's images.
                using var scratch = new PreprocessScratch();
                int imageFloats = loader.preprocessor.OutputLength;
                while (TryClaim(out var pending, out int i))
                {
                    long t0 = Stopwatch.GetTimestamp();
                    var sample = loader.samples[pending.First + i];
                    try
                    {
                        loader.preprocessor.ProcessInto(sample.Path, pending.Buffer.AsSpan(i * imageFloats, imageFloats), scratch);
                        pending.Ok[i] = true;
                    }
                    catch (ImageDecodeException e)
                    {
                        pending.Errors[i] = new SkippedFile(sample.Path, e.Reason);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or OutOfMemoryException)
                    {
                        pending.Errors[i] = new SkippedFile(sample.Path, e.Message);
                    }
                    Interlocked.Add(ref pending.Ticks, Stopwatch.GetTimestamp() - t0);
                    if (Interlocked.Decrement(ref pending.Remaining) == 0) Finish(pending, imageFloats);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopped: cancelled while waiting for the window, or the window closed under it
                // (ChannelClosedException); either way nobody is waiting for this thread's work.
            }
            catch (Exception e)
            {
                Abort(e);
            }
            finally
            {
                if (Interlocked.Decrement(ref running) == 0) Exited.SetResult();
            }
        }

        /// <summary>
        /// The next image to decode: the next slot of the current batch, or the first of a new one once the window
        /// has room (the caller waits here until it has). False at the end of the dataset.
        /// </summary>
        private bool TryClaim(out PendingBatch pending, out int index)
        {
            lock (gate)
            {
                stop.Token.ThrowIfCancellationRequested();
                if (current is null || nextInCurrent == current.Count)
                {
                    if (next >= loader.samples.Count)
                    {
                        (pending, index) = (null!, -1);
                        return false;
                    }
                    int count = Math.Min(loader.batchSize, loader.samples.Count - next);
                    current = new PendingBatch(next, count, loader.preprocessor.OutputLength);
                    lock (liveGate) live.Add(current);
                    next += count;
                    nextInCurrent = 0;
                    // Blocking under the lock is what is wanted: every decoder waits for the window alike.
                    batches.Writer.WriteAsync(current, stop.Token).AsTask().GetAwaiter().GetResult();
                    if (next >= loader.samples.Count) batches.Writer.TryComplete();
                }
                (pending, index) = (current, nextInCurrent++);
                return true;
            }
        }

        private void Finish(PendingBatch pending, int imageFloats)
        {
            if (loader.strict && Array.FindIndex(pending.Errors, e => e is not null) is var bad and >= 0)
            {
                var error = pending.Errors[bad]!;
                pending.Done.TrySetException(new ImageDecodeException(error.Path, error.Reason + " (--strict stops at the first unreadable file)"));
                return;
            }
            // Compact the good images to the front so the batch is one contiguous block.
            var items = new List<(int, Sample)>(pending.Count);
            var skipped = new List<(int, SkippedFile)>();
            for (int i = 0; i < pending.Count; i++)
            {
                int index = pending.First + i;
                if (!pending.Ok[i])
                {
                    skipped.Add((index, pending.Errors[i]!));
                    continue;
                }
                if (items.Count != i)
                    pending.Buffer.AsSpan(i * imageFloats, imageFloats).CopyTo(pending.Buffer.AsSpan(items.Count * imageFloats, imageFloats));
                items.Add((index, loader.samples[index]));
            }
            pending.Done.TrySetResult(new Batch(pending.Buffer, imageFloats, items, skipped, Stopwatch.GetElapsedTime(0, pending.Ticks)));
        }

        /// <summary>
        /// Ends the stream: with <paramref name="error"/> when a decode thread failed, else because the consumer stopped
        /// or was cancelled. Batches not yet finished fail so that a consumer waiting for one gets the reason.
        /// </summary>
        private void Abort(Exception? error)
        {
            PendingBatch[] unfinished;
            lock (liveGate) unfinished = [.. live];
            foreach (var pending in unfinished)
            {
                if (error is null) pending.Done.TrySetCanceled(stop.Token);
                else pending.Done.TrySetException(error);
            }
            if (error is null) batches.Writer.TryComplete();
            else
            {
                batches.Writer.TryComplete(error);
                stop.Cancel();
            }
        }
    }
}
