using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Data;

public class ImageFolderTests
{
    [Fact]
    public void Classes_labels_and_order_equal_torchvision_ImageFolder()
    {
        var t = new DatasetTree();
        foreach (var name in new[] { "1.png", "10.PNG", "2.jpg", "Z.JPEG", ".hidden.png", "b.ppm", "c.pgm", "d.tif", "e.TIFF", "f.webp", "g.bmp" })
            t.Image(Path.Combine("a", name));
        t.Text("a/notes.txt");
        t.Text("a/x.jpg.txt");
        t.Text("a/noext");
        t.Image("a/fake.jpg/inside.png"); // a folder named like an image: only its contents count
        t.Image("a/sub/deep.png");
        t.Image("a/sub/x/y.png");
        t.Image("a/sub b/s.png");        // ' ' < '/' : torchvision lists "sub b/" before "sub/x/"
        t.Image("a/sub-c/c.png");
        t.Link("a/broken.jpg", "nowhere.jpg");
        t.Link("a/linked", "../B");
        t.Image("B/x.png");
        t.Image("a b/z.webp");
        t.Image("é/e.png");
        t.Image(".hidden/h.bmp");
        t.Link("linked-class", "B");
        t.Image("top-level.png");

        var ours = ImageFolder.Scan(t.Root);
        var theirs = JsonNode.Parse(Repo.PythonCode("""
            import json, sys
            from torchvision.datasets import ImageFolder
            d = ImageFolder(sys.argv[1])
            print(json.dumps({"classes": d.classes, "samples": d.samples}))
            """, t.Root))!;

        Assert.Equal(theirs["classes"]!.AsArray().Select(c => (string)c!), ours.Classes);
        var expected = theirs["samples"]!.AsArray().Select(s => new Sample((string)s![0]!, (int)s[1]!)).ToList();
        Assert.Equal(expected, ours.Samples);
        Assert.Contains(new Sample(t["a/linked/x.png"], ours.Classes.ToList().IndexOf("a")), ours.Samples);
        Assert.True(ours.Samples.Count >= 20, $"only {ours.Samples.Count} samples: the tree was not built as intended");
        Assert.Empty(ours.Warnings);
    }

    [Fact]
    public void Empty_class_folders_keep_their_label_with_a_warning()
    {
        var t = new DatasetTree();
        t.Image("a/1.png");
        t.Folder("b");
        t.Text("c/readme.txt");
        t.Image("d/1.png");

        var index = DatasetIndex.Open(t.Root);
        Assert.Equal(["a", "b", "c", "d"], index.Classes);
        Assert.Equal([new Sample(t["a/1.png"], 0), new Sample(t["d/1.png"], 3)], index.Samples);
        Assert.Equal(2, index.Warnings.Count);
        Assert.Contains("'b' has no images", index.Warnings[0]);
        Assert.Contains("'c' has no images", index.Warnings[1]);
    }

    [Fact]
    public void A_symlink_loop_is_walked_once()
    {
        var t = new DatasetTree();
        t.Image("c/1.png");
        t.Image("c/sub/2.png");
        t.Link("c/sub/back", "..");

        var index = ImageFolder.Scan(t.Root);
        Assert.Equal([t["c/1.png"], t["c/sub/2.png"]], index.Samples.Select(s => s.Path));
        Assert.Contains(index.Warnings, w => w.Contains("back") && w.Contains("not followed"));
    }

    [Fact]
    public void Wnid_folders_get_their_ImageNet_index()
    {
        var t = new DatasetTree();
        // Imagenette's classes: a subset of ImageNet under their wnids.
        var expected = new Dictionary<string, int>
        {
            ["n01440764"] = 0, ["n02102040"] = 217, ["n02979186"] = 482, ["n03000684"] = 491, ["n03028079"] = 497,
            ["n03394916"] = 566, ["n03417042"] = 569, ["n03425413"] = 571, ["n03445777"] = 574, ["n03888257"] = 701,
        };
        foreach (var wnid in expected.Keys) t.Image($"{wnid}/{wnid}_1.JPEG");

        // No model, a torchvision checkpoint (ImageNet's names), a plain 1000-class state dict (no names).
        foreach (var index in new[] { DatasetIndex.Open(t.Root), DatasetIndex.Open(t.Root, 1000, ImageNetClasses.Names), DatasetIndex.Open(t.Root, 1000, null) })
        {
            Assert.Equal(LabelMapping.Wnids, index.Mapping);
            Assert.Equal(1000, index.Classes.Count);
            Assert.All(index.Samples, s => Assert.Equal(expected[Path.GetFileName(Path.GetDirectoryName(s.Path))!], s.Label));
            Assert.Equal("tench", index.Classes[index.Samples[0].Label]);
            Assert.Empty(index.Warnings);
        }
        // A 10-class model without names: wnids say nothing about its classes, so torchvision's sorted order.
        Assert.Equal(LabelMapping.SortedFolders, DatasetIndex.Open(t.Root, 10, null).Mapping);
    }

    [Fact]
    public void Folders_named_after_the_model_classes_map_by_name()
    {
        var t = new DatasetTree();
        t.Image("English_springer/1.png");
        t.Image("Tench/1.png");
        t.Image("cardigan/1.png");
        t.Image("CARDIGAN/1.png");

        var index = DatasetIndex.Open(t.Root, 1000, ImageNetClasses.Names);
        Assert.Equal(LabelMapping.ClassNames, index.Mapping);
        // Sorted folders: CARDIGAN, English_springer, Tench, cardigan. "cardigan" is exactly the sweater (474);
        // "CARDIGAN" matches both the dog (264) and the sweater only loosely, so the first one is taken, with a warning.
        Assert.Equal([264, 217, 0, 474], index.Samples.Select(s => s.Label));
        Assert.Equal("English springer", index.Classes[217]);
        Assert.Equal(["class folder 'CARDIGAN' matches classes 264, 474; using 264."], index.Warnings);
    }

    [Fact]
    public void Numbered_folders_map_to_the_class_of_that_index()
    {
        var t = new DatasetTree();
        foreach (var n in new[] { "0", "2", "7", "10", "11" }) t.Image($"{n}/1.png");
        string[] names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];

        // torchvision's ImageFolder would number these 0, 10, 11, 2, 7 by sorted name.
        foreach (var index in new[] { DatasetIndex.Open(t.Root, 12, names), DatasetIndex.Open(t.Root, 12, null) })
        {
            Assert.Equal(LabelMapping.NumberedFolders, index.Mapping);
            Assert.Equal(12, index.Classes.Count);
            Assert.All(index.Samples, s => Assert.Equal(int.Parse(Path.GetFileName(Path.GetDirectoryName(s.Path))!), s.Label));
        }
        Assert.Equal("h", DatasetIndex.Open(t.Root, 12, names).Classes[7]);

        // A number past the model's classes is no class index: a checkpoint with names stops, one without sorts.
        Assert.Contains("--class-map", Assert.Throws<ClassMappingException>(() => DatasetIndex.Open(t.Root, 11, names[..11])).Message);
        Assert.Equal(LabelMapping.SortedFolders, DatasetIndex.Open(t.Root, 11, null).Mapping);
        // With no model the folders must be 0…N-1 themselves; leading zeros (GTSRB's 00000…) count.
        Assert.Equal(LabelMapping.SortedFolders, DatasetIndex.Open(t.Root).Mapping);
        var padded = new DatasetTree();
        foreach (var n in new[] { "00002", "00000", "00001" }) padded.Image($"{n}/1.png");
        var gtsrb = DatasetIndex.Open(padded.Root);
        Assert.Equal(LabelMapping.NumberedFolders, gtsrb.Mapping);
        Assert.Equal(["0", "1", "2"], gtsrb.Classes);
        // "1" and "01" name the same number twice.
        padded.Image("1/1.png");
        Assert.Equal(LabelMapping.SortedFolders, DatasetIndex.Open(padded.Root).Mapping);
    }

    [Fact]
    public void A_checkpoint_that_names_its_classes_over_other_folders_stops_and_names_the_class_map_option()
    {
        var t = new DatasetTree();
        t.Image("apple/1.png");
        t.Image("dog/1.png");
        t.Image("jacket/1.png");

        var none = Assert.Throws<ClassMappingException>(() => DatasetIndex.Open(t.Root, 3, ["cat", "bird", "fish"])).Message;
        Assert.Contains("none of its 3 class folders", none);
        Assert.Contains("apple, dog, jacket", none);
        Assert.Contains("cat, bird, fish", none);
        Assert.Contains("--class-map", none);
        Assert.Contains("only 1 of its 3 class folders", Assert.Throws<ClassMappingException>(() => DatasetIndex.Open(t.Root, 3, ["cat", "dog", "fish"])).Message);

        // ImageNet's 1000 names are cut short, and a 10-class checkpoint over ImageNet wnids is no exception.
        var imagenet = Assert.Throws<ClassMappingException>(() => DatasetIndex.Open(t.Root, 1000, ImageNetClasses.Names)).Message;
        Assert.Contains("tench, goldfish", imagenet);
        Assert.Contains("(988 more)", imagenet);
        var w = new DatasetTree();
        w.Image("n03888257/1.png");
        w.Image("n01440764/1.png");
        Assert.Contains("--class-map", Assert.Throws<ClassMappingException>(() => DatasetIndex.Open(w.Root, 3, ["parachute", "fish", "other"])).Message);
    }

    [Fact]
    public void A_checkpoint_without_class_names_takes_torchvisions_sorted_order()
    {
        var t = new DatasetTree();
        t.Image("dogs/1.png");
        t.Image("cats/1.png");

        var index = DatasetIndex.Open(t.Root, 2, null);
        Assert.Equal(LabelMapping.SortedFolders, index.Mapping);
        Assert.Equal(["cats", "dogs"], index.Classes);
        Assert.Equal([0, 1], index.Samples.Select(s => s.Label));
        Assert.Empty(index.Warnings);
        Assert.Contains(DatasetIndex.Open(t.Root, 3, null).Warnings, w => w.Contains("2 class folders but the model has 3 classes"));
        Assert.Contains("--class-map", Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(t.Root, 1, null)).Message);
    }

    [Fact]
    public void Listing_a_folder_reads_it_flat_or_as_an_ImageFolder()
    {
        var t = new DatasetTree();
        t.Image("flat/b.png");
        t.Image("flat/a.JPG");
        t.Text("flat/a.gif"); // not one of torchvision's extensions
        t.Folder("flat/.ipynb_checkpoints");
        var flat = ImageFolder.List(t["flat"]);
        Assert.False(flat.ClassFolders);
        Assert.Equal([t["flat/a.JPG"], t["flat/b.png"]], flat.Paths);
        Assert.Empty(flat.Warnings);

        t.Image("tree/dog/2.png");
        t.Image("tree/cat/x/1.png");
        t.Image("tree/stray.png");
        var tree = ImageFolder.List(t["tree"]);
        Assert.True(tree.ClassFolders);
        Assert.Equal(ImageFolder.Scan(t["tree"]).Samples.Select(s => s.Path), tree.Paths);
        Assert.Equal([t["tree/cat/x/1.png"], t["tree/dog/2.png"]], tree.Paths);
        Assert.Contains("in no class folder", Assert.Single(tree.Warnings));

        Assert.Contains("no images", Assert.Throws<InvalidDataException>(() => ImageFolder.List(t.Folder("empty"))).Message);
        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.List(t["nope"]));
    }

    [Fact]
    public void A_timm_class_map_numbers_classes_by_line()
    {
        var t = new DatasetTree();
        t.Image("cat/1.png");
        t.Image("dog/1.png");
        t.Text("classes.txt", "dog\ncat\n");

        var index = DatasetIndex.Open(t.Root, classMap: "classes.txt"); // found relative to the root, as in timm
        Assert.Equal(LabelMapping.ClassMap, index.Mapping);
        Assert.Equal(["dog", "cat"], index.Classes);
        Assert.Equal([new Sample(t["cat/1.png"], 1), new Sample(t["dog/1.png"], 0)], index.Samples);

        var timm = Repo.PythonCode("""
            import sys
            class_map = sys.argv[1]
            # timm.data.readers.class_map.load_class_map for a .txt file
            with open(class_map) as f:
                print({v.strip(): k for k, v in enumerate(f)})
            """, t["classes.txt"]);
        Assert.Equal("{'dog': 0, 'cat': 1}", timm.Trim());

        t.Text("short.txt", "dog\n");
        Assert.Contains("no line for the class folder 'cat'",
            Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(t.Root, classMap: t["short.txt"])).Message);
        t.Text("map.pkl", "x");
        Assert.Contains("only .txt", Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(t.Root, classMap: t["map.pkl"])).Message);
        Assert.Throws<FileNotFoundException>(() => DatasetIndex.Open(t.Root, classMap: "missing.txt"));
    }

    [Fact]
    public void Flat_ImageNet_val_is_labelled_by_LOC_val_solution_csv()
    {
        var t = new DatasetTree();
        // Kaggle's layout: the CSV at the top, the images four folders down.
        var val = t.Folder("ILSVRC/Data/CLS-LOC/val");
        t.Image("ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000002.JPEG");
        t.Image("ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000001.JPEG");
        t.Image("ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000003.png");
        t.Image("ILSVRC/Data/CLS-LOC/val/extra.JPEG");
        t.Text(LocValSolution.FileName, """
            ImageId,PredictionString
            ILSVRC2012_val_00000002,n01440764 1 2 3 4
            ILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 44 21 322 295
            ILSVRC2012_val_00000001,n03888257 10 20 30 40 n01440764 1 1 2 2
            ILSVRC2012_val_00000003,n02102040 5 5 9 9

            """);

        var index = DatasetIndex.Open(val);
        Assert.Equal(DatasetLayout.LocValSolution, index.Layout);
        Assert.Equal(LabelMapping.Wnids, index.Mapping);
        Assert.Equal(
            [
                new Sample(Path.Combine(val, "ILSVRC2012_val_00000001.JPEG"), 701),
                new Sample(Path.Combine(val, "ILSVRC2012_val_00000002.JPEG"), 0),
                new Sample(Path.Combine(val, "ILSVRC2012_val_00000003.png"), 217),
            ], index.Samples);
        Assert.Equal(2, index.Warnings.Count);
        Assert.Contains("1 row(s)", index.Warnings[0]);
        Assert.Contains("ILSVRC2012_val_00008726", index.Warnings[0]);
        Assert.Contains("extra", index.Warnings[1]);

        t.Text(LocValSolution.FileName, "id,label\nILSVRC2012_val_00000001,n01440764\n");
        Assert.Contains("not a LOC_val_solution.csv", Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(val)).Message);
        t.Text(LocValSolution.FileName, "ImageId,PredictionString\nILSVRC2012_val_00000001,tench 1 2 3 4\n");
        Assert.Contains($"{LocValSolution.FileName}:2:", Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(val)).Message);
    }

    [Fact]
    public void Missing_and_empty_datasets_are_refused_with_the_reason()
    {
        var t = new DatasetTree();
        Assert.Equal($"{t["nope"]}: folder not found.", Assert.Throws<DirectoryNotFoundException>(() => DatasetIndex.Open(t["nope"])).Message);
        Assert.Contains("no class folders", Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(t.Folder("empty"))).Message);
        t.Image("flat/1.png");
        Assert.Contains("no LOC_val_solution.csv", Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(t["flat"])).Message);
        t.Text("classes/a/readme.txt");
        Assert.Contains("no images", Assert.Throws<InvalidDataException>(() => DatasetIndex.Open(t["classes"])).Message);
        t.Image("classes/stray.png");
        t.Image("classes/a/1.png");
        Assert.Contains(DatasetIndex.Open(t["classes"]).Warnings, w => w.Contains("in no class folder"));
    }
}
