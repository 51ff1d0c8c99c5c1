using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Data;

public class NpyTests
{
    [Fact]
    public void Numpy_reads_what_we_write_and_we_read_what_numpy_writes()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-npy").FullName;
        var ours = Path.Combine(dir, "ours.npy");
        using var t = arange(24, dtype: ScalarType.Float32).reshape(2, 3, 4) / 7f;
        Npy.Write(ours, t);
        var theirs = Path.Combine(dir, "theirs.npy");
        var check = Repo.PythonCode("""
            import sys, numpy as np
            a = np.load(sys.argv[1])
            assert a.dtype == np.float32 and a.shape == (2, 3, 4), (a.dtype, a.shape)
            assert np.array_equal(a, (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / np.float32(7)))
            np.save(sys.argv[2], (np.arange(6, dtype=np.float64) * 1.5).reshape(3, 2))
            np.save(sys.argv[3], np.arange(5, dtype=np.int64))
            print("ok")
            """, ours, theirs, Path.Combine(dir, "ints.npy"));
        Assert.Equal("ok", check.Trim());

        using var f64 = Npy.Read(theirs);
        Assert.Equal(ScalarType.Float64, f64.dtype);
        Assert.Equal(new long[] { 3, 2 }, f64.shape);
        Assert.Equal(7.5, f64[2, 1].item<double>());
        using var ints = Npy.Read(Path.Combine(dir, "ints.npy"));
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, ints.data<long>().ToArray());
    }

    [Fact]
    public void Truncated_and_foreign_files_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-npy-bad").FullName;
        var good = Path.Combine(dir, "x.npy");
        Npy.Write(good, ones(100));
        var bytes = File.ReadAllBytes(good);
        var truncated = Path.Combine(dir, "truncated.npy");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 10)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Npy.Read(truncated)).Message);
        var text = Path.Combine(dir, "text.npy");
        File.WriteAllText(text, "not numpy at all");
        Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => Npy.Read(text)).Message);
    }
}
