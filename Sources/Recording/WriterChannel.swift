import Foundation

/// A request from the producer (the trainer) to the writer thread.
enum WriterMessage: Sendable {
    /// Create (or, in live mode, start) run `index`; answered through `ticket`.
    case begin(index: Int, run: RunDescription, ticket: Int)
    /// One training step of run `run`: its `steps` row, one `grad` row per layer, and any Φ records.
    case step(run: Int, row: StepRow, norms: [NormStepRow], phi: [PhiRecord])
    /// One evaluation of run `run`.
    case evaluation(run: Int, row: EvaluationRow)
    /// Raw gradient parts of layer `layer` of run `run` at `step`: total, direct, re-centering, re-scaling for the
    /// layer's first `rawRows` input rows.
    case raw(run: Int, layer: Int, step: Int64, values: [Float])
    /// Run `run` ended.
    case finish(run: Int, status: RunStatus, divergedAtStep: Int64?, divergenceReason: String?, completedSteps: Int64)
    /// Write every buffered row and flush the file; answered through `ticket`.
    case flush(ticket: Int)
    /// Answered once every earlier message is handled, without writing anything (tests use it to reach a known
    /// state).
    case barrier(ticket: Int)
    /// Write everything, close the file (compacting it when `compact` and the configuration allow), end the
    /// thread; answered through `ticket`.
    case close(ticket: Int, compact: Bool)

    /// Whether the message carries rows (the messages a failed writer drops).
    var isData: Bool {
        switch self {
        case .step, .evaluation, .finish, .raw: true
        default: false
        }
    }
}

/// The bounded queue between the producer and the writer thread, and the little shared state around it: the
/// answers to synchronous requests and the first error the writer met.
///
/// `@unchecked Sendable` because every mutable property is read and written only while `condition` is locked;
/// that one lock (with its condition variable for "not full", "not empty" and "answered") is the whole protocol.
final class WriterChannel: @unchecked Sendable {
    private let condition = NSCondition()
    /// Ring buffer of pending messages: `count` messages starting at `head`.
    private var slots: [WriterMessage?]
    private var head = 0
    private var count = 0
    private var nextTicket = 1
    /// Answers to synchronous requests, by ticket: nil for success.
    private var answers: [Int: TraceWriterError?] = [:]
    /// The first error the writer thread met; sticky.
    private var failure: TraceWriterError?
    /// Whether the writer thread has returned: nothing will be answered any more.
    private var writerEnded = false
    /// The most messages ever waiting at once, so tests can check the bound.
    private var highWaterMark = 0
    /// What the writer thread has to tell the user that is not a failure (a trace left uncompacted).
    private var writerNotes: [String] = []
    /// Producers waiting for room in the queue.
    private var producersWaiting = 0
    /// Whether the writer waits for a message.
    private var writerWaits = false

    /// How long the writer sleeps at most while it waits for rows: rows that came meanwhile are handled then.
    /// A producer does not wake it for every row: at one row per step of a fast writer that was a futex wake and a
    /// context switch per step on each side, a good part of the writing's cost.
    static let pollInterval = 0.05

    /// The queue's capacity in messages.
    let capacity: Int
    /// The trace file's path, for messages.
    let path: String

    init(capacity: Int, path: String) {
        self.path = path
        precondition(capacity >= 1, "a trace writer's queue needs a capacity of at least 1 message, got \(capacity)")
        self.capacity = capacity
        slots = Array(repeating: nil, count: capacity)
    }

    /// The writer's notes so far.
    var notes: [String] { condition.withLock { writerNotes } }

    /// Adds a note for the user (writer side).
    func addNote(_ note: String) { condition.withLock { writerNotes.append(note) } }

    // MARK: - Producer side

    /// A fresh ticket for a synchronous request.
    func makeTicket() -> Int {
        condition.withLock {
            defer { nextTicket += 1 }
            return nextTicket
        }
    }

    /// Enqueues `message`, waiting while the queue is full (back-pressure). Throws the writer's failure instead if it
    /// has one, so a producer never waits on a writer that stopped writing.
    /// - Parameter evenAfterFailure: enqueue even when the writer has failed (the close request, which must still
    ///   reach the writer so it closes the file).
    func send(_ message: WriterMessage, evenAfterFailure: Bool = false) throws(TraceWriterError) {
        condition.lock()
        defer { condition.unlock() }
        while count == capacity && (failure == nil || evenAfterFailure) && !writerEnded {
            producersWaiting += 1
            condition.wait()
            producersWaiting -= 1
        }
        if let failure, !evenAfterFailure { throw failure }
        if writerEnded { throw failure ?? ended }
        slots[(head + count) % capacity] = message
        count += 1
        highWaterMark = max(highWaterMark, count)
        // Rows wait for the writer's next look (within `pollInterval`) unless the queue is half full; requests,
        // which someone waits on, wake it at once.
        if writerWaits && (!message.isData || 2 * count >= capacity) { condition.broadcast() }
    }

    /// Waits for the answer to `ticket`; throws the error it carries. If the writer thread ends without answering
    /// (it failed to start), throws its failure.
    func waitForAnswer(_ ticket: Int) throws(TraceWriterError) {
        condition.lock()
        defer { condition.unlock() }
        while answers[ticket] == nil && !writerEnded { condition.wait() }
        if let answer = answers.removeValue(forKey: ticket) {
            if let error = answer { throw error }
            return
        }
        throw failure ?? ended
    }

    private var ended: TraceWriterError {
        TraceWriterError(code: .closed, path: path, message: "the writer thread has ended")
    }

    /// The writer's first error, if it met one.
    var currentFailure: TraceWriterError? {
        condition.withLock { failure }
    }

    /// The most messages that were ever waiting at once.
    var maximumQueueLength: Int {
        condition.withLock { highWaterMark }
    }

    // MARK: - Writer side

    /// The next message, waiting for one; nil if `deadline`, or the next look (`pollInterval`), passes first.
    func receive(until deadline: Date?) -> WriterMessage? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 {
            let look = Date(timeIntervalSinceNow: Self.pollInterval)
            writerWaits = true
            let woken = condition.wait(until: deadline.map { min($0, look) } ?? look)
            writerWaits = false
            if !woken && count == 0 { return nil }
        }
        let message = slots[head]
        slots[head] = nil
        head = (head + 1) % capacity
        count -= 1
        // A producer waiting for room is woken once half the queue is free, not for every message.
        if producersWaiting > 0 && 2 * count <= capacity { condition.broadcast() }
        return message
    }

    /// Answers a synchronous request.
    func answer(_ ticket: Int, with error: TraceWriterError?) {
        condition.withLock {
            answers[ticket] = .some(error)
            condition.broadcast()
        }
    }

    /// Records the writer's first error; later ones are consequences and are dropped.
    func fail(_ error: TraceWriterError) {
        condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
        }
    }

    /// Marks the writer thread as ended, waking everyone who waits on it.
    func endWriter() {
        condition.withLock {
            writerEnded = true
            condition.broadcast()
        }
    }
}
