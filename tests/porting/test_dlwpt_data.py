# Code cells from deep-learning-with-pytorch/dlwpt-code (github.com/deep-learning-with-pytorch/dlwpt-code),
# notebooks p1ch4/1_image_dog.ipynb, p1ch4/2_volumetric_ct.ipynb, p1ch4/3_tabular_wine.ipynb,
# p1ch4/4_time_series_bikes.ipynb, p1ch4/5_text_jane_austen.ipynb, p1ch4/x_audio_chirp.ipynb, p1ch4/X_video_cockatoo.ipynb:
# Apache-2.0, (c) Manning Publications / the authors ("Deep Learning with PyTorch", Stevens, Antiga, Viehmann).
"""Deep Learning with PyTorch, chapter 4 (real-world data representation using tensors): images into a uint8 batch,
normalised per channel; a CT volume; the wine-quality table (np.loadtxt, one-hot targets with scatter_, means
and variances, boolean masks); the bike-sharing time series (view, transpose and strides, one-hot weather,
scaling); text as one-hot letters and words; a sound's spectrogram (scipy) and a video's frames. Every code cell as written, run under PyTorch and under seegrad
(notebook.py, harness.py): the same values, printed numbers and printed text. Changed (each marked): the data
files are small ones written by the test (data_files below: the same formats, dtypes and layouts, fewer rows and
pixels), and imageio, not installed here, is a stand-in that reads them (PIL for the images, a .npy file for the
DICOM series and for the video's frames); the plotting lines are left out."""
import numpy as np
import pytest

from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

IMAGE_DOG = r'''
# %% cell 0
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50)

# %% cell 1
import imageio

img_arr = imageio.imread('../data/p1ch4/image-dog/bobby.jpg')
img_arr.shape

# %% cell 2
img = torch.from_numpy(img_arr)
out = img.permute(2, 0, 1)

# %% cell 3
batch_size = 3
batch = torch.zeros(batch_size, 3, 256, 256, dtype=torch.uint8)

# %% cell 4
import os

data_dir = '../data/p1ch4/image-cats/'
filenames = [name for name in os.listdir(data_dir)
             if os.path.splitext(name)[-1] == '.png']
for i, filename in enumerate(filenames):
    img_arr = imageio.imread(os.path.join(data_dir, filename))
    img_t = torch.from_numpy(img_arr)
    img_t = img_t.permute(2, 0, 1)
    img_t = img_t[:3] # <1>
    batch[i] = img_t

# %% cell 5
batch = batch.float()
batch /= 255.0

# %% cell 6
n_channels = batch.shape[1]
for c in range(n_channels):
    mean = torch.mean(batch[:, c])
    std = torch.std(batch[:, c])
    batch[:, c] = (batch[:, c] - mean) / std
'''

VOLUMETRIC_CT = r'''
# %% cell 0
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50)

# %% cell 1
import imageio

dir_path = "../data/p1ch4/volumetric-dicom/2-LUNG 3.0  B70f-04083"
vol_arr = imageio.volread(dir_path, 'DICOM')
vol_arr.shape

# %% cell 2
vol = torch.from_numpy(vol_arr).float()
vol = torch.unsqueeze(vol, 0)

vol.shape

# %% cell 3
# %matplotlib inline  # (left out: Jupyter magic)
# (left out: plotting) import matplotlib.pyplot as plt

# (left out: plotting) plt.imshow(vol_arr[50])
'''

TABULAR_WINE = r'''
# %% cell 0
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, precision=2, linewidth=75)

# %% cell 1
import csv
wine_path = "../data/p1ch4/tabular-wine/winequality-white.csv"
wineq_numpy = np.loadtxt(wine_path, dtype=np.float32, delimiter=";",
                         skiprows=1)
wineq_numpy

# %% cell 2
col_list = next(csv.reader(open(wine_path), delimiter=';'))

wineq_numpy.shape, col_list

# %% cell 3
wineq = torch.from_numpy(wineq_numpy)

wineq.shape, wineq.dtype

# %% cell 4
data = wineq[:, :-1] # <1>
data, data.shape

# %% cell 5
target = wineq[:, -1] # <2>
target, target.shape

# %% cell 6
target = wineq[:, -1].long()
target

# %% cell 7
target_onehot = torch.zeros(target.shape[0], 10)

target_onehot.scatter_(1, target.unsqueeze(1), 1.0)

# %% cell 8
target_unsqueezed = target.unsqueeze(1)
target_unsqueezed

# %% cell 9
data_mean = torch.mean(data, dim=0)
data_mean

# %% cell 10
data_var = torch.var(data, dim=0)
data_var

# %% cell 11
data_normalized = (data - data_mean) / torch.sqrt(data_var)
data_normalized

# %% cell 12
bad_indexes = target <= 3 # <1>
bad_indexes.shape, bad_indexes.dtype, bad_indexes.sum()

# %% cell 13
bad_data = data[bad_indexes]
bad_data.shape

# %% cell 14
bad_data = data[target <= 3]
mid_data = data[(target > 3) & (target < 7)] # <1>
good_data = data[target >= 7]

bad_mean = torch.mean(bad_data, dim=0)
mid_mean = torch.mean(mid_data, dim=0)
good_mean = torch.mean(good_data, dim=0)

for i, args in enumerate(zip(col_list, bad_mean, mid_mean, good_mean)):
    print('{:2} {:20} {:6.2f} {:6.2f} {:6.2f}'.format(i, *args))

# %% cell 15
total_sulfur_threshold = 141.83
total_sulfur_data = data[:,6]
predicted_indexes = torch.lt(total_sulfur_data, total_sulfur_threshold)

predicted_indexes.shape, predicted_indexes.dtype, predicted_indexes.sum()

# %% cell 16
actual_indexes = target > 5

actual_indexes.shape, actual_indexes.dtype, actual_indexes.sum()

# %% cell 17
n_matches = torch.sum(actual_indexes & predicted_indexes).item()
n_predicted = torch.sum(predicted_indexes).item()
n_actual = torch.sum(actual_indexes).item()

n_matches, n_matches / n_predicted, n_matches / n_actual
'''

TIME_SERIES_BIKES = r'''
# %% cell 0
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50, linewidth=75)

# %% cell 1
bikes_numpy = np.loadtxt(
    "../data/p1ch4/bike-sharing-dataset/hour-fixed.csv", 
    dtype=np.float32, 
    delimiter=",", 
    skiprows=1, 
    converters={1: lambda x: float(x[8:10])}) # <1>
bikes = torch.from_numpy(bikes_numpy)
bikes

# %% cell 2
bikes.shape, bikes.stride()

# %% cell 3
daily_bikes = bikes.view(-1, 24, bikes.shape[1])
daily_bikes.shape, daily_bikes.stride()

# %% cell 4
daily_bikes = daily_bikes.transpose(1, 2)
daily_bikes.shape, daily_bikes.stride()

# %% cell 5
first_day = bikes[:24].long()
weather_onehot = torch.zeros(first_day.shape[0], 4)
first_day[:,9]

# %% cell 6
weather_onehot.scatter_(
    dim=1, 
    index=first_day[:,9].unsqueeze(1).long() - 1, # <1>
    value=1.0)

# %% cell 7
torch.cat((bikes[:24], weather_onehot), 1)[:1]

# %% cell 8
daily_weather_onehot = torch.zeros(daily_bikes.shape[0], 4,
                                   daily_bikes.shape[2])
daily_weather_onehot.shape

# %% cell 9
daily_weather_onehot.scatter_(
    1, daily_bikes[:,9,:].long().unsqueeze(1) - 1, 1.0)
daily_weather_onehot.shape

# %% cell 10
daily_bikes = torch.cat((daily_bikes, daily_weather_onehot), dim=1)

# %% cell 11
daily_bikes[:, 9, :] = (daily_bikes[:, 9, :] - 1.0) / 3.0

# %% cell 12
temp = daily_bikes[:, 10, :]
temp_min = torch.min(temp)
temp_max = torch.max(temp)
daily_bikes[:, 10, :] = ((daily_bikes[:, 10, :] - temp_min)
                         / (temp_max - temp_min))

# %% cell 13
temp = daily_bikes[:, 10, :]
daily_bikes[:, 10, :] = ((daily_bikes[:, 10, :] - torch.mean(temp))
                         / torch.std(temp))
'''

TEXT_JANE_AUSTEN = r'''
# %% cell 0
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50)

# %% cell 1
with open('../data/p1ch4/jane-austen/1342-0.txt', encoding='utf8') as f:
    text = f.read()

# %% cell 2
lines = text.split('\n')
line = lines[200]
line

# %% cell 3
letter_t = torch.zeros(len(line), 128) # <1> 
letter_t.shape

# %% cell 4
for i, letter in enumerate(line.lower().strip()):
    letter_index = ord(letter) if ord(letter) < 128 else 0  # <1>
    letter_t[i][letter_index] = 1

# %% cell 5
def clean_words(input_str):
    punctuation = '.,;:"!?”“_-'
    word_list = input_str.lower().replace('\n',' ').split()
    word_list = [word.strip(punctuation) for word in word_list]
    return word_list

words_in_line = clean_words(line)
line, words_in_line

# %% cell 6
word_list = sorted(set(clean_words(text)))
word2index_dict = {word: i for (i, word) in enumerate(word_list)}

len(word2index_dict), word2index_dict['impossible']

# %% cell 7
word_t = torch.zeros(len(words_in_line), len(word2index_dict))
for i, word in enumerate(words_in_line):
    word_index = word2index_dict[word]
    word_t[i][word_index] = 1
    print('{:2} {:4} {}'.format(i, word_index, word))
    
print(word_t.shape)

# %% cell 8
word_t = word_t.unsqueeze(1)
word_t.shape

# %% cell 9
[(c, ord(c)) for c in sorted(set(text))]

# %% cell 10
ord('l'
   )
'''

AUDIO_CHIRP = r'''
# %% cell 1
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50)

# %% cell 3
import scipy.io.wavfile as wavfile

freq, waveform_arr = wavfile.read('../data/p1ch4/audio-chirp/1-100038-A-14.wav')
freq, waveform_arr

# %% cell 5
waveform = torch.from_numpy(waveform_arr).float()
waveform.shape

# %% cell 7
from scipy import signal

f_arr, t_arr, sp_arr = signal.spectrogram(waveform_arr, freq)

sp_mono = torch.from_numpy(sp_arr)
sp_mono.shape

# %% cell 9
sp_left = sp_right = sp_arr
sp_left_t = torch.from_numpy(sp_left)
sp_right_t = torch.from_numpy(sp_right)
sp_left_t.shape, sp_right_t.shape

# %% cell 11
sp_t = torch.stack((sp_left_t, sp_right_t), dim=0)
sp_t.shape
'''

VIDEO_COCKATOO = r'''
# %% cell 1
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50)

# %% cell 3
import imageio

reader = imageio.get_reader('../data/p1ch4/video-cockatoo/cockatoo.mp4')
meta = reader.get_meta_data()
meta

# %% cell 5
n_channels = 3
n_frames = meta['nframes']
video = torch.empty(n_channels, n_frames, *meta['size'])

video.shape

# %% cell 7
for i, frame_arr in enumerate(reader):
    frame = torch.from_numpy(frame_arr).float()
    video[:, i] = torch.transpose(frame, 0, 2)

# %% cell 9
time_video = torch.empty(n_frames, n_channels, *meta['size'])

for i, frame in enumerate(reader):
    frame = torch.from_numpy(frame).float()
    time_video[i] = torch.transpose(frame, 0, 2)

time_video.shape
'''

# imageio is not installed here: ``import imageio`` becomes this stand-in (marked), which reads the test's files
IMAGEIO = '''# import imageio  (changed: imageio is not installed here; a stand-in: PIL reads the images, a DICOM series
# is the volume.npy that data_files writes in its folder, a video the frames in a .npy beside the .mp4's name)
import os
from types import SimpleNamespace
from PIL import Image


class VideoReader:
    def __init__(self, path):
        self.frames = np.load(os.path.splitext(path)[0] + ".npy")  # (frames, height, width, 3) uint8

    def get_meta_data(self):
        return {"fps": 25.0, "nframes": len(self.frames), "size": (self.frames.shape[2], self.frames.shape[1])}

    def __iter__(self):
        return iter(self.frames.copy())


imageio = SimpleNamespace(imread=lambda path: np.array(Image.open(path)),
                          volread=lambda path, format: np.load(os.path.join(path, "volume.npy")),
                          get_reader=VideoReader)'''

WINE_COLUMNS = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
                "free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates", "alcohol", "quality"]
WINE_RANGES = [(3.8, 14.2), (0.08, 1.1), (0, 1.66), (0.6, 65.8), (0.009, 0.346), (2, 289), (9, 440),
               (0.987, 1.039), (2.72, 3.82), (0.22, 1.08), (8, 14.2)]


def data_files(root):
    """The notebooks' data under ``root``/data/p1ch4, small: a 48x64 RGB JPEG of "bobby" (720x1280 in the book),
    three 256x256 RGBA cat PNGs, a (12, 32, 32) int16 CT volume (99x512x512), 300 rows of winequality-white.csv
    (4898; quality 3 to 9), three days of hour-fixed.csv (730), and a 260-line text of the book's punctuation
    and a few hundred words for 1342-0.txt (Pride and Prejudice), a quarter second of a 44.1 kHz int16 chirp
    (5 s), and 6 frames of 24x32 video (cockatoo.npy for cockatoo.mp4). From numpy's seeded generator."""
    from PIL import Image
    from scipy.io import wavfile

    rng = np.random.default_rng(0)
    data = root / "data" / "p1ch4"
    (data / "image-dog").mkdir(parents=True)
    Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(data / "image-dog" / "bobby.jpg")
    (data / "image-cats").mkdir()
    for name in ("cat1.png", "cat2.png", "cat3.png"):
        Image.fromarray(rng.integers(0, 256, (256, 256, 4), dtype=np.uint8)).save(data / "image-cats" / name)
    (data / "image-cats" / "notes.txt").write_text("not a png\n")  # (the notebook keeps only the .png files)
    ct = data / "volumetric-dicom" / "2-LUNG 3.0  B70f-04083"
    ct.mkdir(parents=True)
    np.save(ct / "volume.npy", rng.integers(-1024, 3071, (12, 32, 32)).astype(np.int16))
    (data / "tabular-wine").mkdir()
    rows = [[round(rng.uniform(low, high), 3) for low, high in WINE_RANGES] + [int(rng.integers(3, 10))]
            for _ in range(300)]
    (data / "tabular-wine" / "winequality-white.csv").write_text(
        ";".join(f'"{c}"' for c in WINE_COLUMNS) + "\n" + "\n".join(";".join(str(x) for x in row) for row in rows) + "\n")
    (data / "bike-sharing-dataset").mkdir()
    header = "instant,dteday,season,yr,mnth,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,windspeed," \
             "casual,registered,cnt"
    hours = []
    for i in range(72):
        day, hour = divmod(i, 24)
        casual, registered = int(rng.integers(0, 60)), int(rng.integers(0, 300))
        hours.append(f"{i + 1},2011-01-{day + 1:02d},1,0,1,{hour},0,{(6 + day) % 7},{int(day > 0)},"
                     f"{int(rng.integers(1, 5))},{rng.uniform(0.02, 1):.2f},{rng.uniform(0, 1):.4f},"
                     f"{rng.uniform(0, 1):.2f},{rng.uniform(0, 0.85):.4f},{casual},{registered},{casual + registered}")
    (data / "bike-sharing-dataset" / "hour-fixed.csv").write_text(header + "\n" + "\n".join(hours) + "\n")
    (data / "jane-austen").mkdir()
    words = ("it is a truth universally acknowledged that single man in possession of good fortune must be want "
             "wife however little known the feelings or views such may on his first entering neighbourhood this "
             "so well fixed minds surrounding families impossible Elizabeth Darcy Bennet Netherfield").split()
    marks = ["", "", "", ",", ".", ";", "!", "?", "’s", "”", "_"]
    lines = []
    for _ in range(260):
        line = " ".join(str(rng.choice(words)) + str(rng.choice(marks)) for _ in range(int(rng.integers(0, 14))))
        lines.append(("“" + line) if line and rng.random() < 0.2 else line)
    (data / "jane-austen" / "1342-0.txt").write_text("\n".join(lines) + "\n", encoding="utf8")
    (data / "audio-chirp").mkdir()
    t = np.arange(11025) / 44100
    chirp = 8000 * np.sin(2 * np.pi * (500 + 4000 * t) * t) + rng.normal(0, 300, t.shape)
    wavfile.write(data / "audio-chirp" / "1-100038-A-14.wav", 44100, chirp.astype(np.int16))
    (data / "video-cockatoo").mkdir()
    np.save(data / "video-cockatoo" / "cockatoo.npy", rng.integers(0, 256, (6, 24, 32, 3), dtype=np.uint8))


@pytest.fixture
def notebook_folder(tmp_path, monkeypatch):
    """The notebooks read '../data/p1ch4/...': the data under tmp_path, the notebook run in tmp_path/work."""
    data_files(tmp_path)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")


@pytest.mark.parametrize("cells", [IMAGE_DOG, VOLUMETRIC_CT, TABULAR_WINE, TIME_SERIES_BIKES, TEXT_JANE_AUSTEN,
                                   AUDIO_CHIRP, VIDEO_COCKATOO],
                         ids=["image_dog", "volumetric_ct", "tabular_wine", "time_series_bikes", "text_jane_austen",
                              "audio_chirp", "video_cockatoo"])
def test_data_representation(cells, notebook_folder):
    run_notebook(cells.replace("import imageio", IMAGEIO))


def test_a_program_s_print_options_do_not_outlast_it():
    """These notebooks begin with ``torch.set_printoptions(edgeitems=2, threshold=50)``: the harness puts both
    libraries' options back after each run (a later test's reprs were laid out at another width)."""
    import autograd
    from harness import run_both

    before = repr(torch.arange(2000.)), repr(autograd.arange(2000.))
    run_both("import torch\ntorch.set_printoptions(edgeitems=1, threshold=5, linewidth=40, precision=1)\n"
             "print(torch.arange(10.))\n")
    assert (repr(torch.arange(2000.)), repr(autograd.arange(2000.))) == before
