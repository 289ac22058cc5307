package io.ordermesh.oms.repository;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.uploads.UploadDocuments;
import jakarta.inject.Singleton;
import org.bson.Document;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Upload jobs ({@code uploads}); oms-api creates them, csv-processor advances them. */
@Singleton
public class UploadRepository {

    private final Collections collections;

    UploadRepository(Collections collections) {
        this.collections = collections;
    }

    public void insert(Document job) {
        collections.uploads().insertOne(job);
    }

    public Optional<Document> find(UUID tenant, String uploadId) {
        return Optional.ofNullable(collections.uploads().find(Filters.and(Filters.eq(UploadDocuments.ID, uploadId),
                Filters.eq(UploadDocuments.TENANT_ID, tenant.toString()))).first());
    }

    public void markMessageSent(String uploadId, Instant at) {
        collections.uploads().updateOne(Filters.eq(UploadDocuments.ID, uploadId),
                Updates.set(UploadDocuments.MESSAGE_SENT_AT, Date.from(at)));
    }

    /** Queued jobs whose SQS message was never sent (SQS was down, or the process died in between). */
    public List<Document> unsent(Instant createdBefore, int max) {
        return collections.uploads().find(Filters.and(Filters.eq(UploadDocuments.STATUS, UploadDocuments.QUEUED),
                        Filters.eq(UploadDocuments.MESSAGE_SENT_AT, null),
                        Filters.lt(UploadDocuments.CREATED_AT, Date.from(createdBefore))))
                .limit(max).into(new ArrayList<>());
    }
}
