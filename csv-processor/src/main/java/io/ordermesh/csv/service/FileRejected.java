package io.ordermesh.csv.service;

/** The file as a whole cannot be processed (empty, no header, missing columns): the job fails with this reason. */
public class FileRejected extends RuntimeException {

    public FileRejected(String reason) {
        super(reason);
    }
}
