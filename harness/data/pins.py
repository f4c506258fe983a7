"""What ``synthbench data fetch`` pins: the release commit and the converted files.

The release archive's own checksum cannot be pinned: GitHub builds commit archives
on demand and does not promise byte-stable tarballs, and it could not be downloaded
where this was written. What *is* pinned is the SHA-256 of every file the converter
writes, as computed from the reference conversion (the shared data directory the
project was developed against). After converting, each file is checked against
this table, so a changed release, a corrupted download or a converter bug is caught
before anything is installed. ``--sha256`` additionally checks the archive itself.
"""

from __future__ import annotations

#: The public release of "Efficacy of Synthetic Data as a Benchmark" (arXiv 2409.11968).
REPOSITORY = "Diabolocom-Research/SG4NLP"
PINNED_COMMIT = "8db02da4b7b3717fd41d3587e6eee2ac6d6e3fae"
#: GitHub's archive of one commit; ``{repo}`` and ``{commit}`` are filled in.
ARCHIVE_URL = "https://codeload.github.com/{repo}/tar.gz/{commit}"

#: SHA-256 of each converted file (path relative to the data directory) at PINNED_COMMIT.
CONVERTED_SHA256: dict[str, str] = {
    "real/atis/test.jsonl": "0f8929f0222ea3d6ce1b42758a10284882039b8306885e0586cbaaa629bc89cd",
    "real/atis/train.jsonl": "e30d5b6050aaaa9cf803091177e266ae3c8fbf31c1b2b9be6f85f6776a9cb1d6",
    "real/atis/valid.jsonl": "78205b47e7e858431ecfa7c2daae69bc53205be4a1d480c103ae4870d6442715",
    "real/crossner_literature/dev.jsonl":
        "db2ab48edab5536797f204c00a4cad930139e31c6b7548922b89ebb325c2313b",
    "real/crossner_literature/labels.json":
        "9de028abbe43886245bac1691034cf840af97238257b3d1adfb2779aaef8d9bf",
    "real/crossner_literature/test.jsonl":
        "534e85fe719368c2e5bca4ea5b969b7ea3044b578c50384f28cabffe80ac6adb",
    "real/crossner_literature/train.jsonl":
        "edf40319d813ed2a3897f89c2635dd4ddf66894b18229c0aecff11c6203a0f86",
    "real/crossner_politics/dev.jsonl":
        "7345b667605218d174ce1389be4d766c2c8280e4cf30c0030187ca79c73a30cb",
    "real/crossner_politics/labels.json":
        "864c3b95e536395731ad29826625384f8b535f00836a237bb6632cfcf4b9de4a",
    "real/crossner_politics/test.jsonl":
        "76abd449fbfcad820508306a67d6ae33d4085da5b15d5e8bd552b7764264c5de",
    "real/crossner_politics/train.jsonl":
        "7dcc59212c38f482a940e5483316ead1aebbdf75c40ef10561cdb1593125587a",
    "real/headlines/test.jsonl": "ba31f0dc255666d3c657fdc3766c41b442d0d572f8eb31ceab350f9527e17d70",
    "real/snips/test.jsonl": "ad177d5633575ee350c7d0e186419df9b8670a3ec25c542a0e92ce2244d88293",
    "real/snips/train.jsonl": "dbc9b3632fc316faaf15690288a264b8f98ea2f465af7a2e68cbf43fa94634c6",
    "real/snips/valid.jsonl": "90e544b534a689a906f3261d3849033cec3c3d10932499c4ce802fd7c0e720ae",
    "real/tweet-news/test.jsonl":
        "88dab0d5a4ff950bb99fbba76721c9e74dbf02f31672632b18b4608f81cf1b5d",
    "synthetic/atis/gpt-4o-mini.jsonl":
        "4860d1bd420e1ef4f50fe1f217f1218065993fa6abd47f81ca0d0da46b66e85c",
    "synthetic/atis/gpt-4o.jsonl":
        "15bf923826f646008f0253c85415ccb2e61909bca92b2e31c938f491e5fe08e7",
    "synthetic/atis/llama-3-70b.jsonl":
        "8cb1c0208f1a193f1e228263dd343ee724e3e8a97c3208d4f034f7897e31258b",
    "synthetic/atis/llama-3-8b.jsonl":
        "e43e9bb9e7cd33b178e0c49f68a91c3b2bd64271650edb242d3c7e476cab011e",
    "synthetic/atis/mixtral-8x22b.jsonl":
        "2832c8d664c61f7234556ee59cca8879893b1420c504a501b312cf431d2425d8",
    "synthetic/atis/mixtral-8x7b.jsonl":
        "3244b5a0423b731afb4597e224b669ba71b1c5ad3d8ce51d2090968547d1af69",
    "synthetic/crossner_literature/gpt-4o-mini.jsonl":
        "00e0935d7913982b7bfd26a367b28e30f45327bd827fb56c57f5c21df3df6f3b",
    "synthetic/crossner_literature/gpt-4o.jsonl":
        "4ea43b9f75972899bce9a5daf3e26af39f5dc8238cf950fc7f06a340f0070041",
    "synthetic/crossner_literature/llama-3-70b.jsonl":
        "9121661588cd71434b34ec4b7a7c9dcf78e2fb2312e2f77ddc918145975d1f57",
    "synthetic/crossner_literature/llama-3-8b.jsonl":
        "bbedf0b3881667c1033c3ff2c8a99ac3d520f02f39a8bbb65feadf4b6680c91f",
    "synthetic/crossner_literature/mixtral-8x22b.jsonl":
        "f45636566fb4e5973bf809f369adf7fc0099c093d44a5f826159cf1c6e00dd73",
    "synthetic/crossner_literature/mixtral-8x7b.jsonl":
        "383a8bd73ad8455d41f7e5fea8afb217df3f3a8cd7081ddbe2f2d9a141dc9877",
    "synthetic/crossner_politics/gpt-4o-mini.jsonl":
        "a80ffb21e99a4e3a1f965740fdca7ea4c67f11e3be72fc1314df0c1c5925ae07",
    "synthetic/crossner_politics/gpt-4o.jsonl":
        "89de7e2967f7392954f3d75510749deb75a715ed1c58cd033cc3e73a6423ccde",
    "synthetic/crossner_politics/llama-3-70b.jsonl":
        "6d17acdc9adb6f4c3d8e2f84b0665c96b0fe36ed614afdde38165115a68c3a0c",
    "synthetic/crossner_politics/llama-3-8b.jsonl":
        "57e9be40af7f35bc902d17c92f65e8226e69b0f684f763acbaca7676d8be74b2",
    "synthetic/crossner_politics/mixtral-8x22b.jsonl":
        "3a4e9ce6f87d2f60575921fe440df3e510ef00334c9fd818321df27015410ae8",
    "synthetic/crossner_politics/mixtral-8x7b.jsonl":
        "9bca965e88ce85019c971c13fa6065707c19a7603db995be3d398b98bf207b66",
    "synthetic/headlines/gpt-4o-mini.jsonl":
        "b1a088489156f7d1cb3cf7f5c3e3002f5cfb1c16c1a2b5d7e01075e4163612a1",
    "synthetic/headlines/gpt-4o.jsonl":
        "b1d726fac39737aa65c0a935b9cc1a512b5405c6ff5cda50af7c9b5624b25994",
    "synthetic/headlines/llama-3-70b.jsonl":
        "26c3c4d5f715bd4e805661bea74684a51dbe2e831f30e119e00262852e389f05",
    "synthetic/headlines/llama-3-8b.jsonl":
        "0e84fb3bb88de5d032cd1efdc1d0a07856db32185afe15734eeaf51d4278c75a",
    "synthetic/headlines/mixtral-8x22b.jsonl":
        "77c25d328fcdb6555ee266e94b16613beeed8917ef2adf86271e2b7de9dfbadf",
    "synthetic/headlines/mixtral-8x7b.jsonl":
        "7b1167e4f6ee24a533849042ecd4be017ac1b6bc7421fdda8f1488cef87281b8",
    "synthetic/snips/gpt-4o-mini.jsonl":
        "8c8fb2c2767d291ea10ada144494482d93c6eb203d6d415ec36fa46cd619869a",
    "synthetic/snips/gpt-4o.jsonl":
        "e2fcef34588ca025e35ce710b1932801b49fee40376b16614b33fa9d7825f668",
    "synthetic/snips/llama-3-70b.jsonl":
        "c0c4b3d687cb4702aba684f43fbf31bb6e5eb3750eed6502d003a2780ef12c5a",
    "synthetic/snips/llama-3-8b.jsonl":
        "92a37509fb99f22829c4b4991dbf3253f44bc2497d0711d688a6832abcc73271",
    "synthetic/snips/mixtral-8x22b.jsonl":
        "cb7e71a91006cf766b060305b71ba77f0010dc8cd5820fe18371ff8035f00858",
    "synthetic/snips/mixtral-8x7b.jsonl":
        "5fa13be22e05cc4cf1585ebb3baa4a0c2da88451caad26ca3210c9b0d1e5a729",
    "synthetic/tweet-news/gpt-4o-mini.jsonl":
        "53014b73b02b49fb02c25d738ad8090706df7515e537ac8a94805b558b318aa6",
    "synthetic/tweet-news/gpt-4o.jsonl":
        "ef6d63aa09add46f630b65def82c526a11cf71ae8fe562d6c52a1ffbcca7542e",
    "synthetic/tweet-news/llama-3-70b.jsonl":
        "7314e129e41ecdc96ac590eb9022f9d96c7a1827e3c12035d99901de6fcc6551",
    "synthetic/tweet-news/llama-3-8b.jsonl":
        "62eb3f7cb37d8218205164e8f155966c2e51cb310937cf1367c43a9cf3a5a542",
    "synthetic/tweet-news/mixtral-8x22b.jsonl":
        "924b6887bd0952c82ede56ea740f4f4184845a3f2bcece5e3fa90953cf8f9230",
    "synthetic/tweet-news/mixtral-8x7b.jsonl":
        "6a8708cd470f8db857ff4ccb1a1d934a38c7583071db2a806f24beb23d7b19c7",
}
