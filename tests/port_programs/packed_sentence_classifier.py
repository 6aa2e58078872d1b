"""Sentence classification with packed sequences: an embedding, ``pack_padded_sequence`` with
unsorted lengths, a 2-layer bidirectional LSTM, the final hidden states of both directions and a
mean over ``pad_packed_sequence``'s output, trained with gradient clipping."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(5)
PAD, VOCAB = 0, 20


class ToySentiment(Dataset):
    """Token sentences of 2..11 words; positive when 'good' words (1..5) outnumber 'bad' (6..10)."""

    def __init__(self, n):
        self.sentences = [rng.integers(1, VOCAB, size=rng.integers(2, 12)) for _ in range(n)]

    def __len__(self):
        return len(self.sentences)

    def __getitem__(self, idx):
        s = self.sentences[idx]
        good, bad = np.sum((s >= 1) & (s <= 5)), np.sum((s >= 6) & (s <= 10))
        return torch.tensor(s, dtype=torch.long), int(good > bad)


def collate(batch):
    tokens, labels = zip(*batch)
    lengths = torch.tensor([len(t) for t in tokens])
    return pad_sequence(tokens, batch_first=True, padding_value=PAD), lengths, torch.tensor(labels)


class SentenceClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim=8, hidden_dim=12, num_classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.lstm = nn.LSTM(
            embed_dim, hidden_dim, num_layers=2, bidirectional=True, batch_first=True
        )
        self.fc = nn.Linear(4 * hidden_dim, num_classes)

    def forward(self, tokens, lengths):
        embedded = self.embedding(tokens)
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        packed_out, (h_n, c_n) = self.lstm(packed)
        final = torch.cat((h_n[-2], h_n[-1]), dim=1)  # last layer, forward and backward
        out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
        mean = out.sum(dim=1) / out_lengths.unsqueeze(1).to(out.dtype)
        return self.fc(torch.cat((final, mean), dim=1))


model = SentenceClassifier(VOCAB)
model.load_state_dict(
    {
        k: torch.tensor(rng.uniform(-0.3, 0.3, size=tuple(v.shape)).astype(np.float32))
        for k, v in model.state_dict().items()
    }
)
train = DataLoader(ToySentiment(64), batch_size=16, collate_fn=collate)
test = DataLoader(ToySentiment(32), batch_size=32, collate_fn=collate)
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)

losses, grad_norms = [], []
for _epoch in range(5):
    model.train()
    total, count = 0.0, 0
    for tokens, lengths, labels in train:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens, lengths), labels)
        loss.backward()
        grad_norms.append(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
    losses.append(total / count)

model.eval()
with torch.no_grad():
    tokens, lengths, labels = next(iter(test))
    logits = model(tokens, lengths)
    test_loss = F.cross_entropy(logits, labels).item()
    test_acc = (logits.argmax(1) == labels).float().mean().item()

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "grad_norms": grad_norms[::4],
    "test_loss": test_loss,
    "test_acc": test_acc,
}
print(RESULT)
