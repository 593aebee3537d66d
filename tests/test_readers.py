import pytest

from deeprec.data import DataFormatError, read_movielens, read_rating_file
from deeprec.data.netflix import read_netflix_file


@pytest.mark.parametrize("sep,header,text", [
    ("\t", False, "1\t10\t5\t881250949\n2\t20\t3\t881250950\n"),
    ("::", False, "1::10::5::978300760\n2::20::3::978302109\n"),
    (",", True, "userId,movieId,rating,timestamp\n1,10,5.0,1\n2,20,3.0,2\n"),
])
def test_reads_every_layout(tmp_path, sep, header, text):
    path = tmp_path / "ratings"
    path.write_text(text)
    frame = read_rating_file(path, sep=sep, header=header)
    assert frame.user_id.tolist() == [1, 2]
    assert frame.item_id.tolist() == [10, 20]
    assert frame.rating.tolist() == [5.0, 3.0]
    assert str(frame.user_id.dtype) == "int64"


@pytest.mark.parametrize("bad_line,fragment", [
    ("3\t30\tfive\t881250951", "'five' is not a number"),
    ("3\t30\t4", "expected 4 fields"),
    ("3\t30\t4\t881250951\textra", "got 5"),
    ("3\t30\t7\t881250951", "rating 7 is outside"),
])
def test_malformed_line_is_named(tmp_path, bad_line, fragment):
    path = tmp_path / "u.data"
    path.write_text("1\t10\t5\t881250949\n2\t20\t3\t881250950\n"
                    f"{bad_line}\n4\t40\t1\t881250952\n")
    with pytest.raises(DataFormatError) as err:
        read_rating_file(path)
    message = str(err.value)
    assert f"{path}, line 3" in message
    assert fragment in message


def test_double_colon_extra_field(tmp_path):
    path = tmp_path / "ratings.dat"
    path.write_text("1::10::5::1\n1::11::4::2::9\n")
    with pytest.raises(DataFormatError, match=r"ratings.dat, line 2"):
        read_rating_file(path, sep="::")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.data"):
        read_rating_file(tmp_path / "nowhere.data")


def test_ml100k_folder_reads_titles_and_genres(split):
    from deeprec.data import dataset_folder
    ratings, movies = read_movielens(dataset_folder("synthetic"), "ml-100k")
    assert {"item_id", "title", "genres"} <= set(movies.columns)
    assert movies.title.iloc[0].startswith("Synthetic movie 1 ")
    assert set(ratings.item_id) <= set(movies.item_id)


def test_ml1m_and_csv_folders(tmp_path):
    ml1m = tmp_path / "ml-1m"
    ml1m.mkdir()
    (ml1m / "ratings.dat").write_text("1::1::5::978300760\n")
    (ml1m / "movies.dat").write_text(
        "1::Toy Story (1995)::Animation|Children's|Comedy\n",
        encoding="latin-1")
    ratings, movies = read_movielens(ml1m, "ml-1m")
    assert len(ratings) == 1 and movies.genres[0].startswith("Animation")
    ml20 = tmp_path / "ml-20m"
    ml20.mkdir()
    (ml20 / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,2,3.5,1112486027\n")
    (ml20 / "movies.csv").write_text(
        'movieId,title,genres\n2,"Jumanji, The (1995)",Adventure\n')
    ratings, movies = read_movielens(ml20, "ml-20m")
    assert ratings.rating.tolist() == [3.5]
    assert movies.title[0] == "Jumanji, The (1995)"


def test_netflix_file(tmp_path):
    path = tmp_path / "combined_data_1.txt"
    path.write_text("1:\n1488844,3,2005-09-06\n822109,5,2005-05-13\n"
                    "2:\n885013,4,2005-10-19\n")
    frame = read_netflix_file(path)
    assert frame.item_id.tolist() == [1, 1, 2]
    assert frame.user_id.tolist() == [1488844, 822109, 885013]
    assert frame.rating.tolist() == [3, 5, 4]
    # 2005-09-06 00:00 UTC
    assert frame.timestamp.iloc[0] == 1125964800


@pytest.mark.parametrize("text,line", [
    ("1:\n1488844,3,2005-09-06\n822109,9,2005-05-13\n", 3),
    ("1:\n1488844,3,2005-13-06\n", 2),
    ("1488844,3,2005-09-06\n", 1),
    ("1:\nx:\n", 2),
])
def test_netflix_malformed(tmp_path, text, line):
    path = tmp_path / "mv_0000001.txt"
    path.write_text(text)
    with pytest.raises(DataFormatError, match=rf"mv_0000001.txt, line {line}"):
        read_netflix_file(path)
